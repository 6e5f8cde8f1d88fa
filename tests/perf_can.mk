# Issue 17 (can): tests of this part are added here.
