package sheets

// ReadValue reads raw as typed into a statistics row whose unit is unit
// ("万元", "人次", "次", "个"), as the statistics reader does: the number in
// the row's unit; (nil, true) when the cell is blank; (0, true) when the
// text says "none" (无, /, -, —); (nil, false) when it is not a number.
// Exports use it to tell an unreadable value from an empty one.
func ReadValue(raw, unit string) (value *float64, ok bool) { return parseValue(raw, unit) }
