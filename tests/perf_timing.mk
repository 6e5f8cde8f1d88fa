# Issue 17 (timing): tests of this part are added here.
