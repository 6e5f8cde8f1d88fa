# Issue 17 (uart): tests of this part are added here.
