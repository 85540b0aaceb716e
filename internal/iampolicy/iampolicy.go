// Package iampolicy is a small IAM policy evaluator for tests: it decides
// whether identity policies, intersected with permissions boundaries, allow
// one request, the way AWS documents the evaluation of a request inside one
// account (no SCPs, resource policies or session policies).
//
// It knows exactly the parts of the policy language that the tests of this
// module need, and refuses what it does not know instead of guessing:
//
//   - Effect, Sid, Action/NotAction, Resource/NotResource, Condition;
//     a Principal, NotPrincipal or any other element is an error (identity
//     policies and boundaries have none);
//   - actions match case-insensitively, resources case-sensitively, both
//     with the * and ? wildcards; in an ARN a wildcard stays inside its
//     colon-separated segment, except a * that ends a segment (AWS: "it can
//     expand to match beyond the colon boundaries"); the resource part (after
//     the fifth colon) may hold colons anyway;
//   - the condition operators StringEquals, StringNotEquals,
//     StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike,
//     StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Bool and
//     Null, the IfExists suffix and the ForAllValues:/ForAnyValue: set
//     operators; any other operator (Numeric*, Date*, IpAddress, ...) is an
//     error, and so is a policy variable (${...}) in a resource or value;
//   - a key absent from the request makes a condition false, except for
//     the negated operators (StringNotEquals, StringNotLike, ArnNotEquals,
//     ArnNotLike, StringNotEqualsIgnoreCase), which are true, for IfExists,
//     which is true, for ForAllValues, which is true, and for Null;
//   - a key with several values in the request needs a set operator;
//     evaluating one without is an error (AWS leaves it undefined).
//
// Decisions, as in AWS's evaluation logic: an explicit Deny in any policy
// (identity or boundary) wins; otherwise the request is allowed only if an
// identity policy allows it and every boundary allows it too.
//
// Resolve turns the intrinsic functions of a synthesized CloudFormation
// template's policy documents into plain strings first.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Policy is a parsed policy document.
type Policy struct {
	// Name identifies the policy in results (the template's logical ID, say).
	Name       string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	// Sid may be "", then Index tells the statement.
	Sid   string
	Index int
	// Deny is true for "Effect": "Deny".
	Deny                    bool
	Actions, NotActions     []string
	Resources, NotResources []string
	Conditions              []Condition
}

// Condition is one operator and key of a Condition block; a statement
// applies only when all its conditions hold.
type Condition struct {
	// Operator as written, e.g. "ForAllValues:StringLikeIfExists".
	Operator string
	Key      string
	Values   []string

	set      string // "", "ForAllValues", "ForAnyValue"
	base     string // "StringEquals", ...
	ifExists bool
}

// Request is one API call: an action on a resource ARN (or "*" for actions
// without resource-level permissions), with the request context's
// condition keys (names are case-insensitive, as in IAM).
type Request struct {
	Action   string
	Resource string
	Context  map[string][]string
}

// Decision is the outcome of an evaluation.
type Decision int

const (
	// ImplicitDeny: nothing denies the request, but nothing (or not every
	// boundary) allows it.
	ImplicitDeny Decision = iota
	// Allowed by an identity policy and by every boundary.
	Allowed
	// ExplicitDeny: a Deny statement matched.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allowed"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// Result is a decision and the statement that decided it.
type Result struct {
	Decision Decision
	// Policy and Sid (and Index, its position) are the deciding statement:
	// the first matching Deny for ExplicitDeny, the first identity Allow for
	// Allowed. For ImplicitDeny, Sid is "" and Policy names the boundary that
	// allows nothing matching ("" when no identity policy allows).
	Policy string
	Sid    string
	Index  int
	// Reason says the same in words.
	Reason string
}

func (r Result) String() string {
	if r.Sid != "" {
		return fmt.Sprintf("%s by %s/%s", r.Decision, r.Policy, r.Sid)
	}
	return fmt.Sprintf("%s (%s)", r.Decision, r.Reason)
}

// Set is what applies to one principal: its identity policies and its
// permissions boundaries (none: no boundary; a principal has at most one,
// but intersecting several is well defined).
type Set struct {
	Identity   []*Policy
	Boundaries []*Policy
}

// Evaluate decides req. The error is for requests the evaluator cannot
// decide honestly (no action, a multivalued key without set operator).
func (s Set) Evaluate(req Request) (Result, error) {
	if !strings.Contains(req.Action, ":") || req.Resource == "" {
		return Result{}, fmt.Errorf("iampolicy: request %q on %q: want service:Action and a resource", req.Action, req.Resource)
	}
	ctx := map[string][]string{}
	for k, v := range req.Context {
		ctx[strings.ToLower(k)] = v
	}
	all := append(slices.Clone(s.Identity), s.Boundaries...)
	// 1. An explicit deny anywhere wins.
	for _, p := range all {
		for _, st := range p.Statements {
			if !st.Deny {
				continue
			}
			ok, err := st.matches(req, ctx)
			if err != nil {
				return Result{}, fmt.Errorf("%s/%s: %w", p.Name, st.name(), err)
			}
			if ok {
				return Result{Decision: ExplicitDeny, Policy: p.Name, Sid: st.Sid, Index: st.Index,
					Reason: fmt.Sprintf("denied by %s/%s", p.Name, st.name())}, nil
			}
		}
	}
	// 2. An identity policy must allow it.
	allow := func(p *Policy) (*Statement, error) {
		for i := range p.Statements {
			st := &p.Statements[i]
			if st.Deny {
				continue
			}
			ok, err := st.matches(req, ctx)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: %w", p.Name, st.name(), err)
			}
			if ok {
				return st, nil
			}
		}
		return nil, nil
	}
	var res *Result
	for _, p := range s.Identity {
		st, err := allow(p)
		if err != nil {
			return Result{}, err
		}
		if st != nil {
			res = &Result{Decision: Allowed, Policy: p.Name, Sid: st.Sid, Index: st.Index,
				Reason: fmt.Sprintf("allowed by %s/%s", p.Name, st.name())}
			break
		}
	}
	if res == nil {
		return Result{Decision: ImplicitDeny, Reason: "no identity policy allows " + req.Action + " on " + req.Resource}, nil
	}
	// 3. And so must every boundary.
	for _, b := range s.Boundaries {
		st, err := allow(b)
		if err != nil {
			return Result{}, err
		}
		if st == nil {
			return Result{Decision: ImplicitDeny, Policy: b.Name,
				Reason: "the boundary " + b.Name + " does not allow " + req.Action + " on " + req.Resource}, nil
		}
		res.Reason += fmt.Sprintf(", within %s/%s", b.Name, st.name())
	}
	return *res, nil
}

func (st *Statement) name() string {
	if st.Sid != "" {
		return st.Sid
	}
	return fmt.Sprintf("#%d", st.Index)
}

func (st *Statement) matches(req Request, ctx map[string][]string) (bool, error) {
	if st.Actions != nil {
		if !slices.ContainsFunc(st.Actions, func(p string) bool { return ActionMatches(p, req.Action) }) {
			return false, nil
		}
	} else if slices.ContainsFunc(st.NotActions, func(p string) bool { return ActionMatches(p, req.Action) }) {
		return false, nil
	}
	if st.Resources != nil {
		if !slices.ContainsFunc(st.Resources, func(p string) bool { return ResourceMatches(p, req.Resource) }) {
			return false, nil
		}
	} else if slices.ContainsFunc(st.NotResources, func(p string) bool { return ResourceMatches(p, req.Resource) }) {
		return false, nil
	}
	for _, c := range st.Conditions {
		ok, err := c.holds(ctx)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// negated operators and their positive forms.
var negated = map[string]string{
	"StringNotEquals":           "StringEquals",
	"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringNotLike":             "StringLike",
	"ArnNotEquals":              "ArnEquals",
	"ArnNotLike":                "ArnLike",
}

// holds evaluates the condition against the (lower-cased) request context.
func (c Condition) holds(ctx map[string][]string) (bool, error) {
	values := ctx[strings.ToLower(c.Key)]
	if c.base == "Null" {
		want := strings.EqualFold(c.Values[0], "true")
		return (len(values) == 0) == want, nil
	}
	op, neg := c.base, false
	if p, ok := negated[op]; ok {
		op, neg = p, true
	}
	one := func(v string) bool {
		m := slices.ContainsFunc(c.Values, func(pv string) bool { return valueMatches(op, pv, v) })
		return m != neg
	}
	switch c.set {
	case "ForAllValues":
		if len(values) == 0 {
			return true, nil
		}
		for _, v := range values {
			if !one(v) {
				return false, nil
			}
		}
		return true, nil
	case "ForAnyValue":
		if len(values) == 0 {
			return c.ifExists, nil
		}
		return slices.ContainsFunc(values, one), nil
	}
	switch len(values) {
	case 0:
		return c.ifExists || neg, nil
	case 1:
		return one(values[0]), nil
	}
	return false, fmt.Errorf("condition %s on %s: the request has %d values for the key; a multivalued key needs ForAllValues: or ForAnyValue:",
		c.Operator, c.Key, len(values))
}

func valueMatches(op, pattern, value string) bool {
	switch op {
	case "StringEquals":
		return pattern == value
	case "StringEqualsIgnoreCase", "Bool":
		return strings.EqualFold(pattern, value)
	case "StringLike":
		return globMatches(pattern, value, false)
	case "ArnEquals", "ArnLike":
		// AWS: both check each of the six components, with wildcards.
		return arnMatches(pattern, value)
	}
	panic("iampolicy: operator " + op)
}

// ActionMatches reports whether the Action pattern (wildcards * and ?)
// matches action, ignoring case.
func ActionMatches(pattern, action string) bool { return globMatches(pattern, action, true) }

// ResourceMatches reports whether the Resource pattern matches the ARN
// resource, case-sensitively: "*" matches anything; in an ARN pattern a
// wildcard stays inside its segment unless it is a * ending the segment.
func ResourceMatches(pattern, resource string) bool {
	if pattern == "*" {
		return true
	}
	if strings.HasPrefix(pattern, "arn:") {
		return arnMatches(pattern, resource)
	}
	return globMatches(pattern, resource, false)
}

var (
	patternMu sync.Mutex
	patterns  = map[string]*regexp.Regexp{}
)

func compiled(expr string) *regexp.Regexp {
	patternMu.Lock()
	defer patternMu.Unlock()
	re, ok := patterns[expr]
	if !ok {
		re = regexp.MustCompile(expr)
		patterns[expr] = re
	}
	return re
}

// globMatches: * is any run of characters, ? any one character.
func globMatches(pattern, s string, fold bool) bool {
	var b strings.Builder
	b.WriteString("(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return compiled(b.String()).MatchString(s)
}

// arnMatches matches an ARN pattern segment by segment: in the first five
// segments (arn, partition, service, region, account) ? and * do not match
// a colon, except a * that ends its segment; the sixth (the resource) may
// hold anything.
func arnMatches(pattern, arn string) bool {
	var b strings.Builder
	b.WriteString("(?s)^")
	segment := 0
	rs := []rune(pattern)
	for i, r := range rs {
		head := segment < 5
		switch {
		case r == ':':
			segment++
			b.WriteString(":")
		case r == '*' && head && (i+1 == len(rs) || rs[i+1] == ':'):
			b.WriteString(".*")
		case r == '*' && head:
			b.WriteString("[^:]*")
		case r == '*':
			b.WriteString(".*")
		case r == '?' && head:
			b.WriteString("[^:]")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return compiled(b.String()).MatchString(arn)
}

// Parse reads a policy document (a JSON object decoded into map[string]any,
// or a value that marshals to one) whose strings are resolved (see Resolve).
func Parse(name string, doc any) (*Policy, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("iampolicy: %s: %w", name, err)
		}
		return ParseJSON(name, raw)
	}
	p := &Policy{Name: name}
	for k, v := range m {
		switch k {
		case "Version":
			if v != "2012-10-17" && v != "2008-10-17" {
				return nil, fmt.Errorf("iampolicy: %s: Version %v", name, v)
			}
		case "Id":
		case "Statement":
		default:
			return nil, fmt.Errorf("iampolicy: %s: unknown element %q", name, k)
		}
	}
	var list []any
	switch s := m["Statement"].(type) {
	case []any:
		list = s
	case map[string]any:
		list = []any{s}
	default:
		return nil, fmt.Errorf("iampolicy: %s: no Statement", name)
	}
	for i, raw := range list {
		st, err := parseStatement(i, raw)
		if err != nil {
			return nil, fmt.Errorf("iampolicy: %s: statement %d: %w", name, i, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// ParseJSON is Parse of a JSON text.
func ParseJSON(name string, raw []byte) (*Policy, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("iampolicy: %s: %w", name, err)
	}
	return Parse(name, doc)
}

// MustParse is Parse that panics, for policies written in tests.
func MustParse(name, doc string) *Policy {
	p, err := ParseJSON(name, []byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}

func parseStatement(i int, raw any) (Statement, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Statement{}, fmt.Errorf("not an object: %v", raw)
	}
	st := Statement{Index: i}
	var err error
	for k, v := range m {
		switch k {
		case "Sid":
			s, ok := v.(string)
			if !ok {
				return st, fmt.Errorf("Sid %v", v)
			}
			st.Sid = s
		case "Effect":
			switch v {
			case "Allow":
			case "Deny":
				st.Deny = true
			default:
				return st, fmt.Errorf("Effect %v", v)
			}
		case "Action":
			st.Actions, err = stringList(k, v)
		case "NotAction":
			st.NotActions, err = stringList(k, v)
		case "Resource":
			st.Resources, err = stringList(k, v)
		case "NotResource":
			st.NotResources, err = stringList(k, v)
		case "Condition":
			st.Conditions, err = parseConditions(v)
		default:
			return st, fmt.Errorf("element %q is not supported (identity policies and boundaries only)", k)
		}
		if err != nil {
			return st, err
		}
	}
	if _, ok := m["Effect"]; !ok {
		return st, fmt.Errorf("no Effect")
	}
	if (st.Actions == nil) == (st.NotActions == nil) {
		return st, fmt.Errorf("needs exactly one of Action and NotAction")
	}
	if (st.Resources == nil) == (st.NotResources == nil) {
		return st, fmt.Errorf("needs exactly one of Resource and NotResource")
	}
	for _, r := range append(slices.Clone(st.Resources), st.NotResources...) {
		if strings.Contains(r, "${") {
			return st, fmt.Errorf("resource %q: policy variables are not supported", r)
		}
	}
	for _, a := range append(slices.Clone(st.Actions), st.NotActions...) {
		if a != "*" && !strings.Contains(a, ":") {
			return st, fmt.Errorf("action %q is not service:action", a)
		}
	}
	return st, nil
}

// stringList reads a string or a list of strings (never empty: a list
// returned is non-nil).
func stringList(what string, v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a string (unresolved? see Resolve)", what, e)
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s is empty", what)
		}
		return out, nil
	case []string:
		return stringList(what, anySlice(x))
	}
	return nil, fmt.Errorf("%s: %v is not a string or a list of strings (unresolved? see Resolve)", what, v)
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

var known = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true, "ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
	"Bool": true, "Null": true,
}

func parseConditions(v any) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Condition %v is not an object", v)
	}
	var out []Condition
	for _, op := range sortedKeys(block) {
		c := Condition{Operator: op}
		rest := op
		if s, r, ok := strings.Cut(rest, ":"); ok {
			if s != "ForAllValues" && s != "ForAnyValue" {
				return nil, fmt.Errorf("condition operator %q: unknown set operator %q", op, s)
			}
			c.set, rest = s, r
		}
		if b, ok := strings.CutSuffix(rest, "IfExists"); ok {
			c.ifExists, rest = true, b
		}
		c.base = rest
		if !known[c.base] {
			return nil, fmt.Errorf("condition operator %q is not supported", op)
		}
		if c.base == "Null" && (c.ifExists || c.set != "") {
			return nil, fmt.Errorf("condition operator %q: Null takes neither IfExists nor a set operator", op)
		}
		keys, ok := block[op].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("condition %q: %v is not an object", op, block[op])
		}
		for _, k := range sortedKeys(keys) {
			cc := c
			cc.Key = k
			var vals []any
			switch x := keys[k].(type) {
			case []any:
				vals = x
			case []string:
				vals = anySlice(x)
			default:
				vals = []any{x}
			}
			for _, e := range vals {
				switch s := e.(type) {
				case string:
					if strings.Contains(s, "${") {
						return nil, fmt.Errorf("condition %s %s: policy variable in %q is not supported", op, k, s)
					}
					cc.Values = append(cc.Values, s)
				case bool:
					cc.Values = append(cc.Values, fmt.Sprint(s))
				default:
					return nil, fmt.Errorf("condition %s %s: value %v is not a string (unresolved? see Resolve)", op, k, e)
				}
			}
			if len(cc.Values) == 0 {
				return nil, fmt.Errorf("condition %s %s has no values", op, k)
			}
			if (cc.base == "Bool" || cc.base == "Null") && slices.ContainsFunc(cc.Values, func(s string) bool {
				return !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false")
			}) {
				return nil, fmt.Errorf("condition %s %s: values %v are not true or false", op, k, cc.Values)
			}
			if cc.base == "Null" && len(cc.Values) != 1 {
				return nil, fmt.Errorf("condition %s %s: one value", op, k)
			}
			out = append(out, cc)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	keys := slices.Sorted(maps.Keys(m))
	return keys
}

// Env is what Resolve substitutes for the pseudo parameters.
type Env struct {
	Account, Region string
	// Partition defaults to "aws", URLSuffix to "amazonaws.com".
	Partition, URLSuffix string
	// StackName, if set, is AWS::StackName (else a Ref to it is an error).
	StackName string
}

func (e Env) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::AccountId":
		return e.Account, e.Account != ""
	case "AWS::Region":
		return e.Region, e.Region != ""
	case "AWS::Partition":
		if e.Partition == "" {
			return "aws", true
		}
		return e.Partition, true
	case "AWS::URLSuffix":
		if e.URLSuffix == "" {
			return "amazonaws.com", true
		}
		return e.URLSuffix, true
	case "AWS::StackName":
		return e.StackName, e.StackName != ""
	}
	return "", false
}

// Placeholder is what Resolve writes for a reference to a template
// resource: "<LogicalId>" for a Ref, "<LogicalId.Attribute>" for Fn::GetAtt.
func Placeholder(logicalID, attribute string) string {
	if attribute == "" {
		return "<" + logicalID + ">"
	}
	return "<" + logicalID + "." + attribute + ">"
}

var subRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// Resolve returns v (a decoded template fragment) with every Ref,
// Fn::GetAtt, Fn::Join and Fn::Sub replaced by the string it stands for:
// pseudo parameters from env, template resources as Placeholder. Any other
// intrinsic function (Fn::If, Fn::Select, Fn::ImportValue, ...) is an error.
func Resolve(v any, env Env) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := Resolve(e, env)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return resolveFn(k, arg, env)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := Resolve(e, env)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func resolveFn(fn string, arg any, env Env) (any, error) {
	str := func(v any) (string, error) {
		r, err := Resolve(v, env)
		if err != nil {
			return "", err
		}
		s, ok := r.(string)
		if !ok {
			return "", fmt.Errorf("iampolicy: %s: %v is not a string", fn, r)
		}
		return s, nil
	}
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("iampolicy: Ref %v", arg)
		}
		if strings.HasPrefix(name, "AWS::") {
			if s, ok := env.pseudo(name); ok {
				return s, nil
			}
			return nil, fmt.Errorf("iampolicy: Ref %s: no value in Env", name)
		}
		return Placeholder(name, ""), nil
	case "Fn::GetAtt":
		var parts []string
		switch a := arg.(type) {
		case string:
			id, attr, ok := strings.Cut(a, ".")
			if !ok {
				return nil, fmt.Errorf("iampolicy: Fn::GetAtt %q", a)
			}
			parts = []string{id, attr}
		case []any:
			for _, e := range a {
				s, err := str(e)
				if err != nil {
					return nil, err
				}
				parts = append(parts, s)
			}
		}
		if len(parts) != 2 {
			return nil, fmt.Errorf("iampolicy: Fn::GetAtt %v", arg)
		}
		return Placeholder(parts[0], parts[1]), nil
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("iampolicy: Fn::Join %v", arg)
		}
		sep, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("iampolicy: Fn::Join separator %v", a[0])
		}
		list, err := Resolve(a[1], env)
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("iampolicy: Fn::Join of %v", list)
		}
		parts := make([]string, len(items))
		for i, e := range items {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("iampolicy: Fn::Join item %v", e)
			}
			parts[i] = s
		}
		return strings.Join(parts, sep), nil
	case "Fn::Sub":
		var tmpl string
		vars := map[string]string{}
		switch a := arg.(type) {
		case string:
			tmpl = a
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("iampolicy: Fn::Sub %v", arg)
			}
			s, ok := a[0].(string)
			m, ok2 := a[1].(map[string]any)
			if !ok || !ok2 {
				return nil, fmt.Errorf("iampolicy: Fn::Sub %v", arg)
			}
			tmpl = s
			for k, v := range m {
				r, err := str(v)
				if err != nil {
					return nil, err
				}
				vars[k] = r
			}
		default:
			return nil, fmt.Errorf("iampolicy: Fn::Sub %v", arg)
		}
		var failed error
		out := subRE.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[2 : len(m)-1]
			if strings.HasPrefix(name, "!") {
				return "${" + name[1:] + "}" // ${!Literal}
			}
			if v, ok := vars[name]; ok {
				return v
			}
			if strings.HasPrefix(name, "AWS::") {
				if v, ok := env.pseudo(name); ok {
					return v
				}
				failed = fmt.Errorf("iampolicy: Fn::Sub %s: no value in Env", name)
				return m
			}
			id, attr, _ := strings.Cut(name, ".")
			return Placeholder(id, attr)
		})
		return out, failed
	}
	return nil, fmt.Errorf("iampolicy: intrinsic function %s is not supported", fn)
}

// ResolveAndParse is Resolve followed by Parse.
func ResolveAndParse(name string, doc any, env Env) (*Policy, error) {
	r, err := Resolve(doc, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Parse(name, r)
}
