// Command costestimate estimates the monthly cost of each stack of a
// synthesized cloud assembly, resource by resource, from a checked-in price
// table (prices.go, eu-west-1) and usage assumptions (assumptions.json).
//
//	costestimate [-assembly cdk.out] [-format table|markdown|json]
//	             [-assumptions FILE] [-set [STACK:]KEY=VALUE]...
//	costestimate -compare BEFORE [-assembly AFTER] ...
//	costestimate BEFORE AFTER ...
//	costestimate -prices            # print the price table (Markdown)
//	costestimate -docs docs/cost.md -assembly testdata   # refresh its generated sections
//
// Every figure is given at list price in the steady state, for year one
// where it differs (KMS key rotation), and after the account's always-free
// allowances (applied once to the whole assembly). Options that are not
// infrastructure (a reserved instance, a CloudFront flat-rate plan) are
// listed beside the totals, never in them.
//
// A resource type it cannot price is reported as "not priced" (the total
// is then a lower bound) and the exit status is 0; -strict makes it 3.
// See docs/cost.md.
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

//go:embed assumptions.json
var defaultAssumptions []byte

type setFlags []Setting

func (s *setFlags) String() string { return fmt.Sprint(*s) }
func (s *setFlags) Set(v string) error {
	st, err := ParseSetting(v)
	if err != nil {
		return err
	}
	*s = append(*s, st)
	return nil
}

func main() {
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "costestimate:", err)
	}
	os.Exit(code)
}

func run(args []string, output, stderr io.Writer) (int, error) {
	// The writers below print with fmt and tabwriter, which drop write
	// errors: the output remembers the first one, and run reports it.
	stdout := &stickyWriter{w: output}
	fs := flag.NewFlagSet("costestimate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asmPath := fs.String("assembly", "cdk.out", "cloud assembly folder, folder of *.template.json, or one template")
	compare := fs.String("compare", "", "cloud assembly before the change: print the difference")
	format := fs.String("format", "table", "output format: table, markdown or json")
	assumptionsPath := fs.String("assumptions", "", "usage assumptions file (default: the built-in cmd/costestimate/assumptions.json)")
	stackFilter := fs.String("stack", "", "only this stack (name or its last part, e.g. Staging)")
	strict := fs.Bool("strict", false, "exit with status 3 when a resource is not priced")
	prices := fs.Bool("prices", false, "print the price table as Markdown and exit")
	docs := fs.String("docs", "", "rewrite the generated sections of this Markdown file (docs/cost.md) and exit")
	var sets setFlags
	fs.Var(&sets, "set", "override an assumption: [STACK:]KEY=VALUE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	if *prices {
		if err := WritePriceTable(stdout); err != nil {
			return 1, err
		}
		if stdout.err != nil {
			return 1, stdout.err
		}
		return 0, nil
	}
	switch *format {
	case "table", "markdown", "json":
	default:
		return 2, fmt.Errorf("-format %q: want table, markdown or json", *format)
	}
	before, after := *compare, *asmPath
	switch fs.NArg() {
	case 0:
	case 2:
		if before != "" {
			return 2, errors.New("give either -compare BEFORE or two folders BEFORE AFTER, not both")
		}
		before, after = fs.Arg(0), fs.Arg(1)
	default:
		return 2, fmt.Errorf("want no arguments or two (BEFORE AFTER), got %q", fs.Args())
	}

	file, err := loadAssumptions(*assumptionsPath)
	if err != nil {
		return 2, err
	}
	opts := Options{File: file, Sets: sets}
	estimate := func(path string) (Estimate, error) {
		asm, err := assembly.Load(path)
		if err != nil {
			return Estimate{}, err
		}
		var only string
		if *stackFilter != "" {
			s, err := asm.Stack(*stackFilter)
			if err != nil {
				return Estimate{}, err
			}
			only = s.Name
		}
		// The whole assembly is estimated so that the always-free
		// allowances are shared as they are in the account.
		e := EstimateAssembly(asm, opts)
		if only != "" {
			e.keepOnly(only)
		}
		return e, nil
	}
	a, err := estimate(after)
	if err != nil {
		return 1, err
	}
	if *docs != "" {
		if before != "" || len(sets) > 0 {
			return 2, errors.New("-docs takes neither a comparison nor -set: the docs show the shipped assumptions")
		}
		if err := UpdateDocs(*docs, a, file); err != nil {
			return 1, err
		}
		return 0, nil
	}
	notPriced := 0
	for _, s := range a.Stacks {
		notPriced += s.NotPriced
	}
	if before != "" {
		b, berr := estimate(before)
		if berr != nil {
			return 1, berr
		}
		d := Compare(b, a)
		switch *format {
		case "json":
			err = WriteJSON(stdout, d)
		case "markdown":
			err = WriteDiffMarkdown(stdout, d)
		default:
			err = WriteDiffTable(stdout, d)
		}
	} else {
		switch *format {
		case "json":
			err = WriteJSON(stdout, a)
		case "markdown":
			err = WriteMarkdown(stdout, a)
		default:
			err = WriteTable(stdout, a)
		}
	}
	if err == nil {
		err = stdout.err
	}
	if err != nil {
		return 1, err
	}
	if notPriced > 0 {
		fmt.Fprintf(stderr, "costestimate: %d resource(s) not priced: %s\n", notPriced, strings.Join(notPricedTypes(a), ", "))
		if *strict {
			return 3, nil
		}
	}
	return 0, nil
}

// keepOnly drops every stack but one from the estimate (its free-tier
// shares stay those computed over the whole assembly).
func (e *Estimate) keepOnly(name string) {
	for _, se := range e.Stacks {
		if se.Stack == name {
			e.Stacks = []StackEstimate{se}
			e.USD, e.YearOneUSD, e.AfterFreeUSD, e.YearOneAfterFreeUSD = se.USD, se.YearOneUSD, se.AfterFreeUSD, se.YearOneAfterFreeUSD
			return
		}
	}
}

func loadAssumptions(path string) (*File, error) {
	if path == "" {
		return ParseFile("assumptions.json", defaultAssumptions)
	}
	return LoadFile(path)
}

func notPricedTypes(e Estimate) []string {
	seen := map[string]bool{}
	for _, s := range e.Stacks {
		for _, t := range sortedTypes(s.Lines, NotPriced) {
			seen[t] = true
		}
	}
	var out []string
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// WritePriceTable writes the price table and the always-free allowances
// as Markdown (for docs/cost.md).
func WritePriceTable(w io.Writer) error {
	keys := slices.Sorted(maps.Keys(Prices))
	fmt.Fprintf(w, "Prices for %s, as of %s (on-demand, USD). *Read*: when the figure was read (2026-11: as the table was first compiled; %s: read or re-checked for this revision). Figures marked **unconfirmed** could not be confirmed; every item priced with them is marked so in the estimate.\n\n", Region, PricesAsOf, readToday)
	fmt.Fprintln(w, "| Key | USD | Unit | Source | Read | Confirmed in | Note |")
	fmt.Fprintln(w, "|---|---:|---|---|---|---|---|")
	for _, k := range keys {
		p := Prices[k]
		checked := p.Checked
		if checked == "" {
			checked = "public price page only"
		}
		if p.Unconfirmed != "" {
			checked = "**unconfirmed**: " + p.Unconfirmed + ". " + p.Checked
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s |\n", k, rate(p.USD), p.Unit, p.Source, p.Read, mdEscape(strings.TrimSpace(checked)), mdEscape(p.Note))
	}
	pools := make([]string, 0, len(FreeTiers))
	for k := range FreeTiers {
		pools = append(pools, k)
	}
	sort.Strings(pools)
	fmt.Fprintf(w, "\nAlways-free allowances (a month, per account; %s):\n\n", freeTierText)
	fmt.Fprintln(w, "| Allowance | Free | Unit | Source | Read | Confirmed in | Note |")
	fmt.Fprintln(w, "|---|---:|---|---|---|---|---|")
	for _, k := range pools {
		f := FreeTiers[k]
		checked := f.Checked
		if checked == "" {
			checked = "public price page only"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s |\n", k, qty(f.Allowance), f.Unit, f.Source, f.Read, mdEscape(checked), mdEscape(f.Note))
	}
	fmt.Fprintln(w, "\nNo always-free allowance: Secrets Manager (a 30-day trial only), RDS, EC2, EBS, NAT gateways, public IPv4 addresses, S3 storage and requests, AWS Backup, Lambda@Edge, Route 53, Amplify (12 months only).")
	return nil
}

// stickyWriter passes writes to w until one fails, then keeps that error
// and refuses the rest.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
