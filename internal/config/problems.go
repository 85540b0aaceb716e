package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Problem is one thing wrong with the context: the key, the value found
// there and what would have been accepted.
type Problem struct {
	Key     string
	Value   any
	Allowed string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: got %s; allowed: %s", p.Key, Render(p.Value), p.Allowed)
}

// Problems collects every problem found while decoding and validating.
type Problems []Problem

// Add records a problem. allowed is a format string for its arguments.
func (ps *Problems) Add(key string, value any, allowed string, args ...any) {
	if len(args) > 0 {
		allowed = fmt.Sprintf(allowed, args...)
	}
	*ps = append(*ps, Problem{Key: key, Value: value, Allowed: allowed})
}

// Err returns nil when there is no problem, or an *Error listing them all.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: append(Problems(nil), ps...)}
}

// Error is returned when the context is invalid; it lists every problem.
type Error struct {
	Problems Problems
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid MedBookings context (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("); nothing was synthesized:")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Render formats a context value for a message: JSON for what came from
// JSON, "nothing" for a missing key.
func Render(v any) string {
	switch x := v.(type) {
	case Missing:
		return "nothing (the key is missing)"
	case Override:
		return fmt.Sprintf("%q (from the command line)", string(x))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
