# Issue 17 (dfu): tests of this part are added here.
