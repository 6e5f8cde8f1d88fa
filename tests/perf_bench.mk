# Issue 17 (bench): tests of this part are added here.
