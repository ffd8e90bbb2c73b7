package sheets

// bestGroup returns the template group a label key names, or -1 (tests:
// the parser goes through queries).
func (m *matcher) bestGroup(key string) (int, float64) {
	return m.bestGroupOf(m.query(key))
}

// bestField returns the template field a label key names among those of
// group (-1: any field; -2: top-level fields only), or -1 (tests: the
// parser goes through queries).
func (m *matcher) bestField(key string, group int) (int, float64) {
	return m.bestFieldOf(m.query(key), group)
}
