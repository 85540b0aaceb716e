package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
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
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func lowerBound(se StackEstimate) string {
	if se.NotPriced == 0 {
		return ""
	}
	return fmt.Sprintf(" (lower bound: %d resource(s) not priced)", se.NotPriced)
}

// rateText is "$0.018 per instance-hour".
func rateText(it Item) string {
	return fmt.Sprintf("$%s per %s", qty(it.Rate), it.Unit)
}

// WriteTable writes the estimate as a plain-text table.
func WriteTable(w io.Writer, e Estimate) error {
	for _, se := range e.Stacks {
		fmt.Fprintf(w, "%s: estimated %s/month%s\n", se.Stack, usd(se.USD), lowerBound(se))
		fmt.Fprintf(w, "(on-demand prices for %s as of %s)\n\n", e.Region, e.PricesAsOf)
		idW, typeW := len("RESOURCE"), len("TYPE")
		for _, l := range se.Lines {
			idW = max(idW, len(l.LogicalID))
			typeW = max(typeW, len(assembly.ShortType(l.Type)))
		}
		row := func(id, typ, status, amount string) {
			fmt.Fprintf(w, "%-*s  %-*s  %-10s  %10s\n", idW, id, typeW, typ, status, amount)
		}
		row("RESOURCE", "TYPE", "STATUS", "USD/MONTH")
		for _, l := range se.Lines {
			amount := ""
			if l.Status != Free {
				amount = usd(l.USD)
			}
			row(l.LogicalID, assembly.ShortType(l.Type), string(l.Status), amount)
			for _, it := range l.Items {
				fmt.Fprintf(w, "    - %s: %s x %s = %s\n", it.What, qty(it.Quantity), rateText(it), usd(it.USD))
			}
			for _, n := range l.Notes {
				fmt.Fprintf(w, "    note: %s\n", n)
			}
		}
		row("TOTAL", "", "", usd(se.USD))
		writeAssumptionsText(w, se)
		fmt.Fprintln(w)
	}
	if len(e.Stacks) > 1 {
		fmt.Fprintf(w, "All stacks: %s/month\n", usd(e.USD))
	}
	return nil
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
	fmt.Fprintf(w, "## Estimated monthly cost\n\nOn-demand prices for %s as of %s; usage from the assumptions below each stack.\n\n", e.Region, e.PricesAsOf)
	if len(e.Stacks) > 1 {
		fmt.Fprintln(w, "| Stack | USD/month |")
		fmt.Fprintln(w, "|---|---:|")
		for _, se := range e.Stacks {
			fmt.Fprintf(w, "| %s | %s%s |\n", se.Stack, usd(se.USD), lowerBound(se))
		}
		fmt.Fprintf(w, "| **All stacks** | **%s** |\n\n", usd(e.USD))
	}
	for _, se := range e.Stacks {
		fmt.Fprintf(w, "### %s: %s/month%s\n\n", se.Stack, usd(se.USD), lowerBound(se))
		fmt.Fprintln(w, "| Resource | Type | Status | USD/month | Detail |")
		fmt.Fprintln(w, "|---|---|---|---:|---|")
		var free []string
		for _, l := range se.Lines {
			if l.Status == Free {
				free = append(free, fmt.Sprintf("`%s` (%s)", l.LogicalID, assembly.ShortType(l.Type)))
				continue
			}
			var detail []string
			for _, it := range l.Items {
				detail = append(detail, fmt.Sprintf("%s: %s × %s = %s", it.What, qty(it.Quantity), rateText(it), usd(it.USD)))
			}
			for _, n := range l.Notes {
				detail = append(detail, "_"+n+"_")
			}
			status := string(l.Status)
			if l.Status == NotPriced {
				status = "**not priced**"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", l.LogicalID, assembly.ShortType(l.Type), status, usd(l.USD), mdEscape(strings.Join(detail, "<br>")))
		}
		fmt.Fprintf(w, "| **Total** | | | **%s** | |\n\n", usd(se.USD))
		if len(free) > 0 {
			fmt.Fprintf(w, "Free (%d): %s.\n\n", len(free), strings.Join(free, ", "))
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
	return nil
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

// StackDiff is the change of one stack's monthly cost.
type StackDiff struct {
	Stack     string         `json:"stack"`
	Change    string         `json:"change,omitempty"` // added, removed or ""
	Before    float64        `json:"beforeUsd"`
	After     float64        `json:"afterUsd"`
	Delta     float64        `json:"deltaUsd"`
	Resources []ResourceDiff `json:"resources"`
}

// Diff compares two estimates.
type Diff struct {
	Region     string      `json:"region"`
	PricesAsOf string      `json:"pricesAsOf"`
	Before     float64     `json:"beforeUsd"`
	After      float64     `json:"afterUsd"`
	Delta      float64     `json:"deltaUsd"`
	Stacks     []StackDiff `json:"stacks"`
}

// Compare returns the monthly difference per stack and per resource
// (resources whose cost or status did not change are left out).
func Compare(before, after Estimate) Diff {
	d := Diff{Region: after.Region, PricesAsOf: after.PricesAsOf, Before: before.USD, After: after.USD, Delta: round(after.USD - before.USD)}
	bs, as := map[string]StackEstimate{}, map[string]StackEstimate{}
	names := map[string]bool{}
	for _, s := range before.Stacks {
		bs[s.Stack] = s
		names[s.Stack] = true
	}
	for _, s := range after.Stacks {
		as[s.Stack] = s
		names[s.Stack] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		b, inB := bs[n]
		a, inA := as[n]
		sd := StackDiff{Stack: n, Before: b.USD, After: a.USD, Delta: round(a.USD - b.USD)}
		switch {
		case !inB:
			sd.Change = "added"
		case !inA:
			sd.Change = "removed"
		}
		bl, al := map[string]Line{}, map[string]Line{}
		ids := map[string]bool{}
		for _, l := range b.Lines {
			bl[l.LogicalID] = l
			ids[l.LogicalID] = true
		}
		for _, l := range a.Lines {
			al[l.LogicalID] = l
			ids[l.LogicalID] = true
		}
		var sortedIDs []string
		for id := range ids {
			sortedIDs = append(sortedIDs, id)
		}
		sort.Strings(sortedIDs)
		for _, id := range sortedIDs {
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

// WriteDiffTable writes a comparison as plain text.
func WriteDiffTable(w io.Writer, d Diff) error {
	for _, sd := range d.Stacks {
		extra := ""
		if sd.Change != "" {
			extra = " (stack " + sd.Change + ")"
		}
		fmt.Fprintf(w, "%s: %s -> %s/month (%s)%s\n", sd.Stack, usd(sd.Before), usd(sd.After), signed(sd.Delta), extra)
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
	fmt.Fprintf(w, "All stacks: %s -> %s/month (%s)\n", usd(d.Before), usd(d.After), signed(d.Delta))
	return nil
}

// WriteDiffMarkdown writes a comparison as Markdown.
func WriteDiffMarkdown(w io.Writer, d Diff) error {
	fmt.Fprintf(w, "## Monthly cost change: %s\n\n", signed(d.Delta))
	fmt.Fprintf(w, "On-demand prices for %s as of %s.\n\n", d.Region, d.PricesAsOf)
	fmt.Fprintln(w, "| Stack | Before | After | Change |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, sd := range d.Stacks {
		name := sd.Stack
		if sd.Change != "" {
			name += " (" + sd.Change + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, usd(sd.Before), usd(sd.After), signed(sd.Delta))
	}
	fmt.Fprintf(w, "| **All stacks** | %s | %s | **%s** |\n\n", usd(d.Before), usd(d.After), signed(d.Delta))
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
