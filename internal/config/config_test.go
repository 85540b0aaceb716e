package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	_ "github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest" // -update flag
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

type inner struct {
	N int `json:"n"`
}

type sample struct {
	S    string            `json:"s"`
	B    bool              `json:"b"`
	F    float64           `json:"f"`
	L    []string          `json:"l"`
	M    map[string]string `json:"m"`
	In   inner             `json:"in"`
	Opt  int               `json:"opt" config:"optional"`
	Skip string            `json:"-"`
}

func TestDecodeCollectsEveryProblem(t *testing.T) {
	var ps config.Problems
	var s sample
	config.Decode(map[string]any{
		"s": 1, "b": "true", "f": "x", "l": []any{"a", 2}, "m": map[string]any{"k": true},
		"in": map[string]any{"n": 1.5}, "extra": 1,
	}, &s, "root", &ps)
	keys := map[string]string{}
	for _, p := range ps {
		keys[p.Key] = p.String()
	}
	assert.Len(t, ps, 7)
	assert.Contains(t, keys["root.s"], "allowed: a string")
	assert.Contains(t, keys["root.b"], `got "true"; allowed: true or false`)
	assert.Contains(t, keys["root.f"], "a number")
	assert.Contains(t, keys["root.l[1]"], "a string")
	assert.Contains(t, keys["root.m.k"], "a string")
	assert.Contains(t, keys["root.in.n"], "a whole number")
	assert.Contains(t, keys["root.extra"], "one of the known keys of root: b, f, in, l, m, opt, s")
}

func TestDecodeOptionalKeepsDefaultAndOverridesParse(t *testing.T) {
	var ps config.Problems
	s := sample{Opt: 42}
	config.Decode(map[string]any{
		"s": config.Override("007"), "b": config.Override("true"), "f": config.Override("2.5"),
		"l": config.Override(`["x","y"]`), "m": map[string]any{}, "in": map[string]any{"n": config.Override("3")},
	}, &s, "root", &ps)
	assert.Empty(t, ps)
	assert.Equal(t, sample{S: "007", B: true, F: 2.5, L: []string{"x", "y"}, M: map[string]string{}, In: inner{N: 3}, Opt: 42}, s)
}

func TestChecks(t *testing.T) {
	for _, ok := range []string{"aws-root@medbookings.co.za", "a.b+c@x.io"} {
		assert.True(t, config.IsEmail(ok), ok)
	}
	for _, bad := range []string{"", "nobody", "Ops <ops@x.io>", "a@b", "a@-x.io", " a@x.io"} {
		assert.False(t, config.IsEmail(bad), bad)
	}
	for _, ok := range []string{"medbookings.co.za", "staging.medbookings.co.za", "xn--bcher-kva.example"} {
		assert.True(t, config.IsDomain(ok), ok)
	}
	for _, bad := range []string{"", "localhost", "MedBookings.co.za", "a..b", "-a.com", "a.123", "under_score.com"} {
		assert.False(t, config.IsDomain(bad), bad)
	}
	var ps config.Problems
	assert.True(t, ps.CIDR("k", "0.0.0.0/0"))
	assert.True(t, ps.CIDR("k", "2001:db8::/32"))
	assert.False(t, ps.CIDR("k", "10.0.0.1"))
	assert.False(t, ps.CIDR("k", "10.0.0.1/8"))
	_, ok := ps.Clock("k", "24:00")
	assert.False(t, ok)
	c, ok := ps.Clock("k", "23:59")
	assert.True(t, ok)
	assert.Equal(t, "23:59", c.String())
	assert.Len(t, ps, 3)
}
