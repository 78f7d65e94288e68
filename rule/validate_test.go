package rule

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		cond  Conditions
		act   Actions
		field string // "" when valid
		msg   string
	}{
		{"empty rule", Conditions{}, Actions{}, "", ""},
		{"full rule", Conditions{
			Severities: []string{"critical", "MAJOR", "moderate", "minor", "none"}, ActivityTypes: []string{"CONDITION"},
			Keywords: []string{"disk"}, MessagePattern: `(?i)disk \d+`,
		}, Actions{
			BoardID: ptr(1), PriorityOverride: ptr(2), AssignToUserID: ptr(3), AutoResolveStatusID: ptr(4),
			NotifyUserIDs: []int{3, 5}, TicketTemplate: &TicketTemplate{
				TitleTemplate: "{{ device }}: {{message}} ({{Severity}})", DescriptionTemplate: "Org {{organization}}",
			},
		}, "", ""},

		{"unknown severity", Conditions{Severities: []string{"warning"}}, Actions{}, "conditions.severities", `unknown severity "warning"`},
		{"blank severity", Conditions{Severities: []string{"major", ""}}, Actions{}, "conditions.severities", "entry 2 is blank"},
		{"blank activity type", Conditions{ActivityTypes: []string{" "}}, Actions{}, "conditions.activityTypes", "blank"},
		{"blank alert class", Conditions{AlertClasses: []string{""}}, Actions{}, "conditions.alertClasses", "blank"},
		{"blank source type", Conditions{SourceTypes: []string{""}}, Actions{}, "conditions.sourceTypes", "blank"},
		{"blank organization", Conditions{OrganizationIDs: []string{""}}, Actions{}, "conditions.organizationIds", "blank"},
		{"blank keyword", Conditions{Keywords: []string{"disk", ""}}, Actions{}, "conditions.keywords", "entry 2 is blank"},
		{"bad pattern", Conditions{MessagePattern: `disk (`}, Actions{}, "conditions.messagePattern", "missing closing )"},
		{"unsupported pattern syntax", Conditions{MessagePattern: `(?<=x)y`}, Actions{}, "conditions.messagePattern", "invalid"},

		{"board id", Conditions{}, Actions{BoardID: ptr(0)}, "actions.boardId", "positive"},
		{"priority id", Conditions{}, Actions{PriorityOverride: ptr(-1)}, "actions.priorityOverride", "positive"},
		{"assignee id", Conditions{}, Actions{AssignToUserID: ptr(0)}, "actions.assignToUserId", "positive"},
		{"status id", Conditions{}, Actions{AutoResolveStatusID: ptr(0)}, "actions.autoResolveStatusId", "positive"},
		{"notify id", Conditions{}, Actions{NotifyUserIDs: []int{1, 0}}, "actions.notifyUserIds", "entry 2 (0) must be a positive id"},
		{"notify duplicate", Conditions{}, Actions{NotifyUserIDs: []int{4, 5, 4}}, "actions.notifyUserIds", "user 4 is listed more than once"},
		{"storm comments negative", Conditions{}, Actions{StormComments: ptr(-1)}, "actions.stormComments", "must be between 0 and 100"},
		{"storm comments too many", Conditions{}, Actions{StormComments: ptr(101)}, "actions.stormComments", "must be between 0 and 100"},
		{"storm quiet zero", Conditions{}, Actions{StormQuietMinutes: ptr(0)}, "actions.stormQuietMinutes", "must be between 1 and 1440"},
		{"storm quiet over a day", Conditions{}, Actions{StormQuietMinutes: ptr(1441)}, "actions.stormQuietMinutes", "must be between 1 and 1440"},

		{"title too long", Conditions{}, Actions{TicketTemplate: &TicketTemplate{TitleTemplate: strings.Repeat("x", 501)}},
			"actions.ticketTemplate.titleTemplate", "at most 500"},
		{"title of 500", Conditions{}, Actions{TicketTemplate: &TicketTemplate{TitleTemplate: strings.Repeat("é", 500)}}, "", ""},
		{"description too long", Conditions{}, Actions{TicketTemplate: &TicketTemplate{DescriptionTemplate: strings.Repeat("x", 10001)}},
			"actions.ticketTemplate.descriptionTemplate", "at most 10000"},
		{"unknown title placeholder", Conditions{}, Actions{TicketTemplate: &TicketTemplate{TitleTemplate: "{{device}} {{ hostname }}"}},
			"actions.ticketTemplate.titleTemplate", "unknown placeholder {{ hostname }}"},
		{"unknown description placeholder", Conditions{}, Actions{TicketTemplate: &TicketTemplate{DescriptionTemplate: "{{}}"}},
			"actions.ticketTemplate.descriptionTemplate", "unknown placeholder {{}}"},
		{"stray braces are text", Conditions{}, Actions{TicketTemplate: &TicketTemplate{TitleTemplate: "{ {{device}} } {{ not closed"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(tt.cond, tt.act)
			if tt.field == "" {
				if got != nil {
					t.Fatalf("Validate = %v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("Validate = nil, want an error at %s", tt.field)
			}
			if msgs := got.Messages(tt.field); !strings.Contains(strings.Join(msgs, "; "), tt.msg) {
				t.Errorf("Validate = %v, want %s: …%s…", got, tt.field, tt.msg)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	got := Validate(Conditions{Severities: []string{"bad"}, MessagePattern: "("}, Actions{BoardID: ptr(0)})
	if got == nil || len(got.Errors) != 3 {
		t.Fatalf("Validate = %v, want 3 problems", got)
	}
}

// fakeRefs is a tenant's records; anything else does not exist.
type fakeRefs struct {
	boards, priorities, statuses map[int]Ref
	users                        map[int]bool
	err                          error
	calls                        int
}

func (f *fakeRefs) Board(_ context.Context, id int) (Ref, error) {
	f.calls++
	return f.boards[id], f.err
}

func (f *fakeRefs) Priority(_ context.Context, id int) (Ref, error) {
	f.calls++
	return f.priorities[id], f.err
}

func (f *fakeRefs) Status(_ context.Context, id int) (Ref, error) {
	f.calls++
	return f.statuses[id], f.err
}

func (f *fakeRefs) User(_ context.Context, id int) (bool, error) {
	f.calls++
	return f.users[id], f.err
}

func newFakeRefs() *fakeRefs {
	return &fakeRefs{
		boards:     map[int]Ref{1: {Exists: true}, 5: {Exists: true, Retired: true}},
		priorities: map[int]Ref{2: {Exists: true}, 6: {Exists: true, Retired: true}},
		users:      map[int]bool{3: true, 4: true},
		statuses:   map[int]Ref{10: {Exists: true, Closed: true}, 11: {Exists: true}, 12: {Exists: true, Closed: true, Retired: true}},
	}
}

func TestValidateRefs(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		act    Actions
		fields map[string]string // field -> message part
	}{
		{"nothing referenced", Actions{}, nil},
		{"all exist", Actions{BoardID: ptr(1), PriorityOverride: ptr(2), AssignToUserID: ptr(3), AutoResolveStatusID: ptr(10), NotifyUserIDs: []int{3, 4}}, nil},
		{"board missing (or another tenant's)", Actions{BoardID: ptr(99)}, map[string]string{"actions.boardId": "board 99 does not exist"}},
		{"priority missing", Actions{PriorityOverride: ptr(99)}, map[string]string{"actions.priorityOverride": "priority 99 does not exist"}},
		{"assignee missing", Actions{AssignToUserID: ptr(99)}, map[string]string{"actions.assignToUserId": "user 99 does not exist"}},
		{"status missing", Actions{AutoResolveStatusID: ptr(99)}, map[string]string{"actions.autoResolveStatusId": "status 99 does not exist"}},
		{"status open", Actions{AutoResolveStatusID: ptr(11)}, map[string]string{"actions.autoResolveStatusId": "status 11 is not a closed status"}},
		{"board retired", Actions{BoardID: ptr(5)}, map[string]string{"actions.boardId": "board 5 is retired"}},
		{"priority retired", Actions{PriorityOverride: ptr(6)}, map[string]string{"actions.priorityOverride": "priority 6 is retired"}},
		{"status retired", Actions{AutoResolveStatusID: ptr(12)}, map[string]string{"actions.autoResolveStatusId": "status 12 is retired"}},
		{"notify user missing", Actions{NotifyUserIDs: []int{3, 98}}, map[string]string{"actions.notifyUserIds": "user 98 does not exist"}},
		{"non-positive id not looked up", Actions{BoardID: ptr(0)}, map[string]string{"actions.boardId": "board 0 does not exist"}},
		{"several at once", Actions{BoardID: ptr(99), AssignToUserID: ptr(98), NotifyUserIDs: []int{97}}, map[string]string{
			"actions.boardId": "board 99", "actions.assignToUserId": "user 98", "actions.notifyUserIds": "user 97",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateRefs(ctx, tt.act, newFakeRefs())
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.fields) == 0 {
				if got != nil {
					t.Fatalf("ValidateRefs = %v, want nil", got)
				}
				return
			}
			if got == nil || len(got.Errors) != len(tt.fields) {
				t.Fatalf("ValidateRefs = %v, want %v", got, tt.fields)
			}
			for field, msg := range tt.fields {
				if msgs := got.Messages(field); !strings.Contains(strings.Join(msgs, "; "), msg) {
					t.Errorf("ValidateRefs = %v, want %s: …%s…", got, field, msg)
				}
			}
		})
	}
}

func TestValidateRefsLookups(t *testing.T) {
	ctx := context.Background()
	refs := newFakeRefs()
	if _, err := ValidateRefs(ctx, Actions{BoardID: ptr(0), NotifyUserIDs: []int{3, 3, 3}}, refs); err != nil {
		t.Fatal(err)
	}
	if refs.calls != 1 {
		t.Errorf("lookups = %d, want 1 (no lookup for id 0, one per distinct user)", refs.calls)
	}

	boom := errors.New("connection reset")
	refs = newFakeRefs()
	refs.err = boom
	got, err := ValidateRefs(ctx, Actions{AutoResolveStatusID: ptr(10)}, refs)
	if !errors.Is(err, boom) || got != nil || !strings.Contains(err.Error(), "status 10") {
		t.Errorf("ValidateRefs = %v, %v; want the lookup error with context", got, err)
	}

	if _, err := ValidateRefs(ctx, Actions{}, nil); err == nil {
		t.Error("nil Refs must be an error")
	}
}

func TestStormDefaults(t *testing.T) {
	for _, c := range []struct {
		name     string
		a        Actions
		comments int
		quiet    time.Duration
	}{
		{"defaults", Actions{}, DefaultStormComments, DefaultStormQuietMinutes * time.Minute},
		{"set", Actions{StormComments: ptr(0), StormQuietMinutes: ptr(60)}, 0, time.Hour},
		{"comments only", Actions{StormComments: ptr(10)}, 10, DefaultStormQuietMinutes * time.Minute},
	} {
		if comments, quiet := c.a.Storm(); comments != c.comments || quiet != c.quiet {
			t.Errorf("%s: Storm() = %d, %v; want %d, %v", c.name, comments, quiet, c.comments, c.quiet)
		}
	}
}
