package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

func usd(v float64) string {
	if v != 0 && v > -0.005 && v < 0.005 {
		if v < 0 {
			return "-$0.00"
		}
		return "<$0.01"
	}
	if v < 0 {
		return fmt.Sprintf("-$%.2f", -v)
	}
	return fmt.Sprintf("$%.2f", v)
}

func signed(v float64) string {
	if v > 0 {
		return "+" + usd(v)
	}
	if v == 0 {
		return "$0.00"
	}
	return usd(v)
}

func qty(v float64) string {
	if v != 0 && math.Abs(v) < 0.0001 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// rate shows a price with all its digits ($0.0000133334 per GB-second).
func rate(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func lowerBound(se StackEstimate) string {
	var parts []string
	if se.NotPriced > 0 {
		parts = append(parts, fmt.Sprintf("lower bound: %d resource(s) not priced", se.NotPriced))
	}
	if se.Unconfirmed > 0 {
		parts = append(parts, fmt.Sprintf("%d item(s) at unconfirmed prices", se.Unconfirmed))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// figures is "$46.68/month at list price (year one $45.68); $40.12 after
// always-free allowances".
func figures(list, yearOne, afterFree float64) string {
	s := usd(list) + "/month at list price"
	if !approxCents(list, yearOne) {
		s += " (year one " + usd(yearOne) + ")"
	}
	return s + "; " + usd(afterFree) + " after always-free allowances"
}

func approxCents(a, b float64) bool { return round(a) == round(b) }

// rateText is "$0.018 per instance-hour".
func rateText(it Item) string {
	return fmt.Sprintf("$%s per %s", rate(it.Rate), it.Unit)
}

// itemText is "what: 730 × $0.018 per instance-hour = $13.14", with its
// year, free-tier share and an unconfirmed price marked.
func itemText(it Item, times string) string {
	s := fmt.Sprintf("%s: %s %s %s = %s", it.What, qty(it.Quantity), times, rateText(it), usd(it.USD))
	var tags []string
	if it.FromYear > 1 {
		tags = append(tags, fmt.Sprintf("from year %d", it.FromYear))
	}
	if it.FreeTier != "" {
		tags = append(tags, fmt.Sprintf("free tier %s: %s after", it.FreeTier, usd(it.AfterFreeUSD)))
	}
	if it.Unconfirmed {
		tags = append(tags, "unconfirmed price")
	}
	if len(tags) > 0 {
		s += " [" + strings.Join(tags, "; ") + "]"
	}
	return s
}

func unconfirmedTag(o Option) string {
	if Prices[o.Price].Unconfirmed != "" {
		return " [unconfirmed price: " + o.Price + "]"
	}
	return ""
}

const freeTierText = "always-free allowances are applied once, to all stacks of the assembly together (one account), each stack taking a share in proportion to its usage; 12-month offers are never counted"

// WriteTable writes the estimate as a plain-text table.
func WriteTable(w io.Writer, e Estimate) error {
	for _, se := range e.Stacks {
		fmt.Fprintf(w, "%s: estimated %s%s\n", se.Stack, figures(se.USD, se.YearOneUSD, se.AfterFreeUSD), lowerBound(se))
		fmt.Fprintf(w, "(on-demand prices for %s as of %s; %s)\n\n", e.Region, e.PricesAsOf, freeTierText)
		idW, typeW := len("RESOURCE"), len("TYPE")
		for _, l := range se.Lines {
			idW = max(idW, len(l.LogicalID))
			typeW = max(typeW, len(assembly.ShortType(l.Type)))
		}
		row := func(id, typ, status, amount, net string) {
			fmt.Fprintf(w, "%-*s  %-*s  %-10s  %10s  %10s\n", idW, id, typeW, typ, status, amount, net)
		}
		row("RESOURCE", "TYPE", "STATUS", "USD/MONTH", "AFTER FREE")
		for _, l := range se.Lines {
			amount, net := "", ""
			if l.Status != Free {
				amount, net = usd(l.USD), usd(l.AfterFreeUSD)
			}
			row(l.LogicalID, assembly.ShortType(l.Type), string(l.Status), amount, net)
			for _, it := range l.Items {
				fmt.Fprintf(w, "    - %s\n", itemText(it, "x"))
			}
			for _, n := range l.Notes {
				fmt.Fprintf(w, "    note: %s\n", n)
			}
		}
		row("TOTAL", "", "", usd(se.USD), usd(se.AfterFreeUSD))
		if !approxCents(se.USD, se.YearOneUSD) {
			row("YEAR ONE", "", "", usd(se.YearOneUSD), usd(se.YearOneAfterFreeUSD))
		}
		if len(se.Options) > 0 {
			fmt.Fprintln(w, "\nOptions (not infrastructure, not in the totals):")
			for _, o := range se.Options {
				fmt.Fprintf(w, "  %s: %s: %s -> %s/month (saves %s)%s\n", o.Resource, o.What, usd(o.CurrentUSD), usd(o.OptionUSD), usd(o.SavingUSD), unconfirmedTag(o))
				for _, n := range o.Notes {
					fmt.Fprintf(w, "    note: %s\n", n)
				}
			}
		}
		writeAssumptionsText(w, se)
		fmt.Fprintln(w)
	}
	writeFreeTiersText(w, e)
	if len(e.Stacks) > 1 {
		fmt.Fprintf(w, "All stacks: %s\n", figures(e.USD, e.YearOneUSD, e.AfterFreeUSD))
	}
	return nil
}

func writeFreeTiersText(w io.Writer, e Estimate) {
	if len(e.FreeTiers) == 0 {
		return
	}
	fmt.Fprintln(w, "Always-free allowances (applied once to all the stacks of the assembly, shared in proportion to usage):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range e.FreeTiers {
		fmt.Fprintf(tw, "  %s\t%s %s free\tused %s\tcovers %.0f%%\tsaves %s\n", f.Pool, qty(f.Allowance), f.Unit, qty(f.Used), f.Covered*100, usd(f.SavedUSD))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func writeAssumptionsText(w io.Writer, se StackEstimate) {
	if len(se.Assumptions) == 0 && len(se.Notes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nAssumptions used (usage the template cannot know):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range se.Assumptions {
		fmt.Fprintf(tw, "  %s\t%s %s\t%s\n", a.Key, qty(a.Value), a.Unit, a.Source)
	}
	tw.Flush()
	for _, n := range se.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteMarkdown writes the estimate as Markdown (for a pull-request comment).
func WriteMarkdown(w io.Writer, e Estimate) error {
	fmt.Fprintf(w, "## Estimated monthly cost\n\nOn-demand prices for %s as of %s; usage from the assumptions below each stack. "+
		"*List*: at list price, in the steady state (year one leaves out the charges that start later, such as KMS key rotation). "+
		"*After free*: %s.\n\n", e.Region, e.PricesAsOf, freeTierText)
	fmt.Fprintln(w, "| Stack | Year 1, list | Steady state, list | Steady state, after free |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, se := range e.Stacks {
		fmt.Fprintf(w, "| %s%s | %s | %s | %s |\n", se.Stack, lowerBound(se), usd(se.YearOneUSD), usd(se.USD), usd(se.AfterFreeUSD))
	}
	if len(e.Stacks) > 1 {
		fmt.Fprintf(w, "| **All stacks** | **%s** | **%s** | **%s** |\n", usd(e.YearOneUSD), usd(e.USD), usd(e.AfterFreeUSD))
	}
	fmt.Fprintln(w)
	for _, se := range e.Stacks {
		fmt.Fprintf(w, "### %s: %s%s\n\n", se.Stack, figures(se.USD, se.YearOneUSD, se.AfterFreeUSD), lowerBound(se))
		fmt.Fprintln(w, "| Resource | Type | Status | List | After free | Detail |")
		fmt.Fprintln(w, "|---|---|---|---:|---:|---|")
		var free []string
		for _, l := range se.Lines {
			if l.Status == Free {
				free = append(free, fmt.Sprintf("`%s` (%s)", l.LogicalID, assembly.ShortType(l.Type)))
				continue
			}
			var detail []string
			for _, it := range l.Items {
				detail = append(detail, itemText(it, "×"))
			}
			for _, n := range l.Notes {
				detail = append(detail, "_"+n+"_")
			}
			status := string(l.Status)
			if l.Status == NotPriced {
				status = "**not priced**"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", l.LogicalID, assembly.ShortType(l.Type), status, usd(l.USD), usd(l.AfterFreeUSD), mdEscape(strings.Join(detail, "<br>")))
		}
		fmt.Fprintf(w, "| **Total** | | | **%s** | **%s** | |\n", usd(se.USD), usd(se.AfterFreeUSD))
		if !approxCents(se.USD, se.YearOneUSD) {
			fmt.Fprintf(w, "| **Year one** | | | **%s** | **%s** | before the charges that start in year two or three |\n", usd(se.YearOneUSD), usd(se.YearOneAfterFreeUSD))
		}
		fmt.Fprintln(w)
		if len(free) > 0 {
			fmt.Fprintf(w, "Free (%d): %s.\n\n", len(free), strings.Join(free, ", "))
		}
		if len(se.Options) > 0 {
			fmt.Fprintln(w, "**Options** (not infrastructure, not in the totals):")
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| Resource | Option | Now (list) | With the option | Saving | Notes |")
			fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
			for _, o := range se.Options {
				fmt.Fprintf(w, "| `%s` | %s%s | %s | %s | %s | %s |\n", o.Resource, mdEscape(o.What), unconfirmedTag(o), usd(o.CurrentUSD), usd(o.OptionUSD), usd(o.SavingUSD), mdEscape(strings.Join(o.Notes, "; ")))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "<details><summary>Assumptions</summary>")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| Assumption | Value | Source |")
		fmt.Fprintln(w, "|---|---:|---|")
		for _, a := range se.Assumptions {
			fmt.Fprintf(w, "| `%s` | %s %s | %s |\n", a.Key, qty(a.Value), a.Unit, mdEscape(a.Source))
		}
		for _, n := range se.Notes {
			fmt.Fprintf(w, "\nNote: %s\n", n)
		}
		fmt.Fprintln(w, "\n</details>")
		fmt.Fprintln(w)
	}
	writeFreeTiersMarkdown(w, e)
	return nil
}

func writeFreeTiersMarkdown(w io.Writer, e Estimate) {
	if len(e.FreeTiers) == 0 {
		return
	}
	fmt.Fprintln(w, "### Always-free allowances")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Applied once to all the stacks of the assembly (one account), shared in proportion to usage; other workloads of the account share them too, so the after-free figures are a lower bound.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Allowance | Free a month | Used | Covered | Saved |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, f := range e.FreeTiers {
		fmt.Fprintf(w, "| `%s` | %s %s | %s | %.0f%% | %s |\n", f.Pool, qty(f.Allowance), f.Unit, qty(f.Used), f.Covered*100, usd(f.SavedUSD))
	}
	fmt.Fprintln(w)
}

// WriteJSON writes the estimate as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ResourceDiff is the change of one resource's monthly cost.
type ResourceDiff struct {
	LogicalID string  `json:"logicalId"`
	Type      string  `json:"type"`
	Change    string  `json:"change"` // added, removed, changed
	Before    float64 `json:"beforeUsd"`
	After     float64 `json:"afterUsd"`
	Delta     float64 `json:"deltaUsd"`
	Status    Status  `json:"status"`
}

// StackDiff is the change of one stack's monthly cost (steady state, at
// list price, and after the always-free allowances).
type StackDiff struct {
	Stack     string         `json:"stack"`
	Change    string         `json:"change,omitempty"` // added, removed or ""
	Before    float64        `json:"beforeUsd"`
	After     float64        `json:"afterUsd"`
	Delta     float64        `json:"deltaUsd"`
	BeforeNet float64        `json:"beforeAfterFreeTierUsd"`
	AfterNet  float64        `json:"afterAfterFreeTierUsd"`
	DeltaNet  float64        `json:"deltaAfterFreeTierUsd"`
	Resources []ResourceDiff `json:"resources"`
}

// Diff compares two estimates.
type Diff struct {
	Region     string      `json:"region"`
	PricesAsOf string      `json:"pricesAsOf"`
	Before     float64     `json:"beforeUsd"`
	After      float64     `json:"afterUsd"`
	Delta      float64     `json:"deltaUsd"`
	BeforeNet  float64     `json:"beforeAfterFreeTierUsd"`
	AfterNet   float64     `json:"afterAfterFreeTierUsd"`
	DeltaNet   float64     `json:"deltaAfterFreeTierUsd"`
	Stacks     []StackDiff `json:"stacks"`
}

// Compare returns the monthly difference per stack and per resource
// (resources whose cost or status did not change are left out).
func Compare(before, after Estimate) Diff {
	d := Diff{Region: after.Region, PricesAsOf: after.PricesAsOf, Before: before.USD, After: after.USD, Delta: round(after.USD - before.USD),
		BeforeNet: before.AfterFreeUSD, AfterNet: after.AfterFreeUSD, DeltaNet: round(after.AfterFreeUSD - before.AfterFreeUSD)}
	stackName := func(s StackEstimate) string { return s.Stack }
	bs, as := byKey(before.Stacks, stackName), byKey(after.Stacks, stackName)
	for _, n := range sortedKeys(bs, as) {
		b, inB := bs[n]
		a, inA := as[n]
		sd := StackDiff{Stack: n, Before: b.USD, After: a.USD, Delta: round(a.USD - b.USD),
			BeforeNet: b.AfterFreeUSD, AfterNet: a.AfterFreeUSD, DeltaNet: round(a.AfterFreeUSD - b.AfterFreeUSD)}
		switch {
		case !inB:
			sd.Change = "added"
		case !inA:
			sd.Change = "removed"
		}
		logicalID := func(l Line) string { return l.LogicalID }
		bl, al := byKey(b.Lines, logicalID), byKey(a.Lines, logicalID)
		for _, id := range sortedKeys(bl, al) {
			x, inX := bl[id]
			y, inY := al[id]
			rd := ResourceDiff{LogicalID: id, Before: x.USD, After: y.USD, Delta: y.USD - x.USD}
			switch {
			case !inX:
				rd.Change, rd.Type, rd.Status = "added", y.Type, y.Status
			case !inY:
				rd.Change, rd.Type, rd.Status = "removed", x.Type, x.Status
			case x.Type != y.Type || x.Status != y.Status || round(x.USD) != round(y.USD):
				rd.Change, rd.Type, rd.Status = "changed", y.Type, y.Status
			default:
				continue
			}
			sd.Resources = append(sd.Resources, rd)
		}
		d.Stacks = append(d.Stacks, sd)
	}
	return d
}

// byKey indexes items by key.
func byKey[T any](items []T, key func(T) string) map[string]T {
	out := make(map[string]T, len(items))
	for _, it := range items {
		out[key(it)] = it
	}
	return out
}

// sortedKeys are the keys of the maps, sorted, each once.
func sortedKeys[T any](ms ...map[string]T) []string {
	var keys []string
	for _, m := range ms {
		keys = append(keys, slices.Collect(maps.Keys(m))...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// WriteDiffTable writes a comparison as plain text.
func WriteDiffTable(w io.Writer, d Diff) error {
	for _, sd := range d.Stacks {
		extra := ""
		if sd.Change != "" {
			extra = " (stack " + sd.Change + ")"
		}
		fmt.Fprintf(w, "%s: %s -> %s/month (%s)%s; after always-free allowances %s -> %s (%s)\n", sd.Stack, usd(sd.Before), usd(sd.After), signed(sd.Delta), extra,
			usd(sd.BeforeNet), usd(sd.AfterNet), signed(sd.DeltaNet))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range sd.Resources {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s -> %s\t%s\t%s\n", r.Change, r.LogicalID, assembly.ShortType(r.Type), usd(r.Before), usd(r.After), signed(r.Delta), r.Status)
		}
		tw.Flush()
		if len(sd.Resources) == 0 {
			fmt.Fprintln(w, "  no resource changed its cost")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "All stacks: %s -> %s/month (%s); after always-free allowances %s -> %s (%s)\n", usd(d.Before), usd(d.After), signed(d.Delta),
		usd(d.BeforeNet), usd(d.AfterNet), signed(d.DeltaNet))
	return nil
}

// WriteDiffMarkdown writes a comparison as Markdown.
func WriteDiffMarkdown(w io.Writer, d Diff) error {
	fmt.Fprintf(w, "## Monthly cost change: %s\n\n", signed(d.Delta))
	fmt.Fprintf(w, "On-demand prices for %s as of %s, steady state at list price; the last columns are after the always-free allowances (applied once to each assembly).\n\n", d.Region, d.PricesAsOf)
	fmt.Fprintln(w, "| Stack | Before | After | Change | Before, after free | After, after free | Change, after free |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, sd := range d.Stacks {
		name := sd.Stack
		if sd.Change != "" {
			name += " (" + sd.Change + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", name, usd(sd.Before), usd(sd.After), signed(sd.Delta), usd(sd.BeforeNet), usd(sd.AfterNet), signed(sd.DeltaNet))
	}
	fmt.Fprintf(w, "| **All stacks** | %s | %s | **%s** | %s | %s | **%s** |\n\n", usd(d.Before), usd(d.After), signed(d.Delta), usd(d.BeforeNet), usd(d.AfterNet), signed(d.DeltaNet))
	for _, sd := range d.Stacks {
		if len(sd.Resources) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n| | Resource | Type | Before | After | Change | Status |\n|---|---|---|---:|---:|---:|---|\n", sd.Stack)
		for _, r := range sd.Resources {
			fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %s | %s |\n", r.Change, r.LogicalID, assembly.ShortType(r.Type), usd(r.Before), usd(r.After), signed(r.Delta), r.Status)
		}
		fmt.Fprintln(w)
	}
	return nil
}
