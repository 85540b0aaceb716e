// Package assembly reads a synthesized CDK cloud assembly (cdk.out) or
// plain CloudFormation template files, and answers the questions the
// template reports ask of them: which resources a stack has, where in the
// construct tree each one was defined (aws:cdk:path), and which resources
// refer to which (Ref, Fn::GetAtt, Fn::Sub, nested in any property).
//
// It is pure Go (no jsii, no synthesis) so that the reports and their tests
// are fast. Used by cmd/costestimate, cmd/diagram and cmd/inventory.
package assembly

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Assembly is a set of stacks, in the order of their names.
type Assembly struct {
	// Dir is the folder or file the assembly was loaded from.
	Dir    string
	Stacks []*Stack
}

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// Name is the stack's artifact ID (for CDK apps: the stack name).
	Name string
	// TemplateFile is the path of the template it was read from.
	TemplateFile string
	Template     Template
}

// Template is the part of a CloudFormation template the reports read.
type Template struct {
	Description string               `json:"Description"`
	Transform   StringList           `json:"Transform"`
	Parameters  map[string]Parameter `json:"Parameters"`
	Rules       map[string]*Rule     `json:"Rules"`
	Resources   map[string]*Resource `json:"Resources"`
	Outputs     map[string]*Output   `json:"Outputs"`
}

// Rule is a template rule: assertions CloudFormation checks before it
// creates or updates the stack (CDK writes CheckBootstrapVersion, and apps
// add their own to refuse a template that must not be deployed).
type Rule struct {
	// Name is the key of the rule in the template (filled by Load).
	Name          string      `json:"-"`
	RuleCondition any         `json:"RuleCondition"`
	Assertions    []Assertion `json:"Assertions"`
}

// Assertion is one assertion of a rule.
type Assertion struct {
	Assert            any    `json:"Assert"`
	AssertDescription string `json:"AssertDescription"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type        string `json:"Type"`
	Default     any    `json:"Default"`
	Description string `json:"Description"`
}

// Resource is one resource of a template.
type Resource struct {
	// LogicalID is the key of the resource in the template (filled by Load).
	LogicalID           string         `json:"-"`
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	Metadata            map[string]any `json:"Metadata"`
	DependsOn           StringList     `json:"DependsOn"`
	DeletionPolicy      string         `json:"DeletionPolicy"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy"`
	Condition           string         `json:"Condition"`
}

// Output is a stack output.
type Output struct {
	// Name is the key of the output in the template (filled by Load).
	Name        string         `json:"-"`
	Description string         `json:"Description"`
	Value       any            `json:"Value"`
	Export      map[string]any `json:"Export"`
	Condition   string         `json:"Condition"`
}

// StringList is a JSON string or list of strings (DependsOn allows both).
type StringList []string

// UnmarshalJSON accepts "x" as well as ["x", "y"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*l = many
	return nil
}

// Command starts a report command: it adds the -assembly flag (what Load
// reads, cdk.out by default) to the command's other flags fs, parses args
// and loads the assembly; on error it names the command (fs.Name) and
// exits with status 1.
func Command(fs *flag.FlagSet, args []string) *Assembly {
	path := fs.String("assembly", "cdk.out", "cloud assembly folder, folder of *.template.json, or one template")
	_ = fs.Parse(args)
	asm, err := Load(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, fs.Name()+":", err)
		os.Exit(1)
	}
	return asm
}

// Load reads an assembly from path, which is one of:
//   - a cloud assembly folder (with manifest.json, as `cdk synth` writes it);
//   - a folder of *.template.json files (such as the golden testdata/);
//   - a single template file.
func Load(path string) (*Assembly, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	asm := &Assembly{Dir: path}
	if !info.IsDir() {
		s, err := LoadTemplate(path)
		if err != nil {
			return nil, err
		}
		asm.Stacks = []*Stack{s}
		return asm, nil
	}
	manifest := filepath.Join(path, "manifest.json")
	if _, err := os.Stat(manifest); err == nil {
		stacks, err := loadManifest(path)
		if err != nil {
			return nil, err
		}
		asm.Stacks = stacks
	} else {
		files, err := filepath.Glob(filepath.Join(path, "*.template.json"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: neither a manifest.json nor *.template.json files", path)
		}
		for _, f := range files {
			s, err := LoadTemplate(f)
			if err != nil {
				return nil, err
			}
			asm.Stacks = append(asm.Stacks, s)
		}
	}
	sort.Slice(asm.Stacks, func(i, j int) bool { return asm.Stacks[i].Name < asm.Stacks[j].Name })
	return asm, nil
}

type manifestFile struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile  string `json:"templateFile"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// loadManifest reads the stacks of a cloud assembly folder, descending
// into nested assemblies (CDK stages).
func loadManifest(dir string) ([]*Stack, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifestFile
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var stacks []*Stack
	for id, a := range m.Artifacts {
		switch a.Type {
		case "aws:cloudformation:stack":
			if a.Properties.TemplateFile == "" {
				return nil, fmt.Errorf("%s: stack artifact %q has no templateFile", dir, id)
			}
			s, err := LoadTemplate(filepath.Join(dir, a.Properties.TemplateFile))
			if err != nil {
				return nil, err
			}
			s.Name = id
			stacks = append(stacks, s)
		case "cdk:cloud-assembly":
			nested, err := loadManifest(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			stacks = append(stacks, nested...)
		}
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("%s: the manifest lists no stacks", dir)
	}
	return stacks, nil
}

// LoadTemplate reads one template file; the stack is named after the file
// (without .template.json).
func LoadTemplate(file string) (*Stack, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(file)
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".template")
	return ParseTemplate(name, file, raw)
}

// ParseTemplate parses template JSON into a stack called name.
func ParseTemplate(name, file string, raw []byte) (*Stack, error) {
	s := &Stack{Name: name, TemplateFile: file}
	if err := json.Unmarshal(raw, &s.Template); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for id, r := range s.Template.Resources {
		if r == nil {
			return nil, fmt.Errorf("%s: resource %s is null", file, id)
		}
		if r.Type == "" {
			return nil, fmt.Errorf("%s: resource %s has no Type", file, id)
		}
		r.LogicalID = id
	}
	for name, o := range s.Template.Outputs {
		if o == nil {
			return nil, fmt.Errorf("%s: output %s is null", file, name)
		}
		o.Name = name
	}
	for name, r := range s.Template.Rules {
		if r == nil {
			return nil, fmt.Errorf("%s: rule %s is null", file, name)
		}
		r.Name = name
	}
	return s, nil
}

// Stack returns the stack called name (or whose name ends in "-"+name).
func (a *Assembly) Stack(name string) (*Stack, error) {
	for _, s := range a.Stacks {
		if s.Name == name {
			return s, nil
		}
	}
	var found []*Stack
	for _, s := range a.Stacks {
		if strings.HasSuffix(s.Name, "-"+name) {
			found = append(found, s)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, errors.New("no stack " + strconv.Quote(name) + " in " + a.Dir)
}

// IDs returns the logical IDs of the stack's resources, sorted.
func (s *Stack) IDs() []string {
	ids := make([]string, 0, len(s.Template.Resources))
	for id := range s.Template.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Resources returns the resources sorted by logical ID.
func (s *Stack) Resources() []*Resource {
	var out []*Resource
	for _, id := range s.IDs() {
		out = append(out, s.Template.Resources[id])
	}
	return out
}

// OfType returns the resources of one type, sorted by logical ID.
func (s *Stack) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range s.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// OutputNames returns the output names, sorted.
func (s *Stack) OutputNames() []string {
	names := make([]string, 0, len(s.Template.Outputs))
	for n := range s.Template.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RuleNames returns the rule names, sorted.
func (s *Stack) RuleNames() []string {
	names := make([]string, 0, len(s.Template.Rules))
	for n := range s.Template.Rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParameterNames returns the parameter names, sorted.
func (s *Stack) ParameterNames() []string {
	names := make([]string, 0, len(s.Template.Parameters))
	for n := range s.Template.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Types returns the distinct resource types of the stack, sorted.
func (s *Stack) Types() []string {
	seen := map[string]bool{}
	for _, r := range s.Template.Resources {
		seen[r.Type] = true
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Path is the resource's construct path (metadata aws:cdk:path), or "".
func (r *Resource) Path() string {
	p, _ := r.Metadata["aws:cdk:path"].(string)
	return p
}

// ConstructPath splits the construct path into the constructs that contain
// the resource (without the stack) and the resource's own name. The
// "Resource" and "Default" children that L2 constructs give their L1 are
// folded into their parent: "Stack/Database/Instance/Resource" gives
// (["Database"], "Instance"). Without a path: (nil, logical ID).
func (r *Resource) ConstructPath() (groups []string, name string) {
	p := r.Path()
	if p == "" {
		return nil, r.LogicalID
	}
	parts := strings.Split(p, "/")
	if len(parts) > 1 {
		parts = parts[1:] // the stack
	}
	if n := len(parts); n > 1 && (parts[n-1] == "Resource" || parts[n-1] == "Default") {
		parts = parts[:n-1]
	}
	return parts[:len(parts)-1], parts[len(parts)-1]
}

// Prop returns the property at a dotted path ("LoggingConfig.LogGroup").
func (r *Resource) Prop(path string) any {
	var v any = r.Properties
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// String returns the property as a literal string ("" if absent or not literal).
func (r *Resource) String(path string) string {
	s, _ := r.Prop(path).(string)
	return s
}

// Number returns the property as a number; CloudFormation numbers are
// often written as strings ("20"). ok is false if absent or not literal.
func (r *Resource) Number(path string) (float64, bool) {
	return Number(r.Prop(path))
}

// Bool returns the property as a boolean (true, "true"); false if absent.
func (r *Resource) Bool(path string) bool {
	switch v := r.Prop(path).(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// Number converts a literal JSON number or numeric string.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// ShortType turns "AWS::RDS::DBInstance" into "RDS::DBInstance".
func ShortType(t string) string { return strings.TrimPrefix(t, "AWS::") }
