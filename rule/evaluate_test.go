package rule

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(id, order int, created time.Duration, cond Conditions) Rule {
		return Rule{ID: id, Name: "rule " + string(rune('A'+id-1)), Active: true, PriorityOrder: order,
			CreatedAt: t0.Add(created), Conditions: cond}
	}
	critical := Conditions{Severities: []string{"critical"}}
	major := Conditions{Severities: []string{"major"}}
	inactive := mk(1, 0, 0, Conditions{})
	inactive.Active = false

	tests := []struct {
		name      string
		rules     []Rule
		want      int // winning rule id, 0 for none
		wantSteps []string
	}{
		{"no rules", nil, 0, nil},
		{"catch-all", []Rule{mk(1, 0, 0, Conditions{})}, 1, []string{"1:matched (no conditions)"}},
		{"no match", []Rule{mk(1, 0, 0, critical)}, 0, []string{"1:severity major not in [critical]"}},
		{"first match by priority wins, no fall-through",
			[]Rule{mk(1, 2, 0, Conditions{}), mk(2, 1, 0, major), mk(3, 0, 0, critical)},
			2, []string{"3:severity major not in [critical]", "2:matched"}},
		{"ties by creation order",
			[]Rule{mk(1, 0, 2*time.Hour, major), mk(2, 0, time.Hour, major)},
			2, []string{"2:matched"}},
		{"ties by id last",
			[]Rule{mk(5, 0, 0, major), mk(4, 0, 0, major)},
			4, []string{"4:matched"}},
		{"inactive skipped without a step",
			[]Rule{inactive, mk(2, 1, 0, Conditions{})},
			2, []string{"2:matched (no conditions)"}},
		{"bad regexp skipped, next rule tried",
			[]Rule{mk(1, 0, 0, Conditions{MessagePattern: `(`}), mk(2, 1, 0, Conditions{Keywords: []string{"memory"}})},
			2, []string{"1:ERR:rule 1: conditions.messagePattern", "2:matched"}},
		{"blank keyword skipped",
			[]Rule{mk(1, 0, 0, Conditions{Keywords: []string{""}}), mk(2, 1, 0, critical)},
			0, []string{"1:ERR:blank", "2:severity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]Rule(nil), tt.rules...)
			res := NewCache().Evaluate(tt.rules, sampleEvent())
			gotID := 0
			if res.Rule != nil {
				gotID = res.Rule.ID
			}
			if gotID != tt.want {
				t.Errorf("winner = %d, want %d", gotID, tt.want)
			}
			if len(res.Steps()) != len(tt.wantSteps) || res.Tried() != len(tt.wantSteps) {
				t.Fatalf("steps = %+v, want %q", res.Steps(), tt.wantSteps)
			}
			for i, s := range res.Steps() {
				id, want, _ := strings.Cut(tt.wantSteps[i], ":")
				got := s.Reason
				if errWant, isErr := strings.CutPrefix(want, "ERR:"); isErr {
					want, got = errWant, s.Err
					if s.Matched || s.Reason != "" {
						t.Errorf("errored step %+v has a decision", s)
					}
				}
				if strconv.Itoa(s.RuleID) != id || !strings.Contains(got, want) || s.Matched != (got == s.Reason && strings.HasPrefix(got, "matched")) {
					t.Errorf("step %d = %+v, want %q", i, s, tt.wantSteps[i])
				}
			}
			for i := range before {
				if before[i].ID != tt.rules[i].ID {
					t.Fatal("Evaluate reordered the caller's rules")
				}
			}
		})
	}
}

func TestEvaluateResultIsACopy(t *testing.T) {
	rules := []Rule{{ID: 1, Name: "all", Active: true}}
	res := NewCache().Evaluate(rules, sampleEvent())
	res.Rule.Name = "changed"
	if rules[0].Name != "all" {
		t.Error("Result.Rule must not alias the caller's slice")
	}
	if !res.Steps()[0].Matched || res.Steps()[0].RuleName != "all" {
		t.Errorf("step = %+v", res.Steps()[0])
	}
}

func TestEvaluateLogsSkippedRule(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(prev)

	NewCache().Evaluate([]Rule{{ID: 7, Name: "broken", Active: true, Conditions: Conditions{MessagePattern: `[`}}}, sampleEvent())
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "rule_id=7") || !strings.Contains(out, "error=") {
		t.Errorf("log = %q", out)
	}
}
