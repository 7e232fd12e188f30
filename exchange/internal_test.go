package exchange

// CSVSafe exposes csvSafe to the black-box tests.
var CSVSafe = csvSafe
