package console

// Invalidate makes the console judge campaign id again at the next page
// (benchmarks).
func Invalidate(c *Console, id string) { c.cache.invalidate(id) }
