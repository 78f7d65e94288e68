package pipeline

// Waiting is how many events wait for a turn in c.
func (c *Combiner) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}

// Grouping says whether firings of any condition wait for a group's turn.
func (c *Combiner) Grouping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grouping
}

// StartGrouping makes firings of any condition wait for a group's turn,
// as after a run of joins.
func (c *Combiner) StartGrouping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.grouping, c.heavy = true, 0
}
