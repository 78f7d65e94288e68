package rule

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fieldsOf returns the paths an error names, or nil when err is nil.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	var out []string
	for _, fe := range ve.Errors {
		out = append(out, fe.Field)
	}
	return out
}

func TestDecodeConditions(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		want   Conditions
		fields []string // paths of the expected errors
	}{
		{"empty object", `{}`, Conditions{}, nil},
		{"null is empty", `null`, Conditions{}, nil},
		{"all fields", `{"severities":["critical"],"activityTypes":["CONDITION"],"alertClasses":["A"],"sourceTypes":["S"],"organizationIds":["1"],"keywords":["disk"],"messagePattern":"(?i)full"}`,
			Conditions{Severities: []string{"critical"}, ActivityTypes: []string{"CONDITION"}, AlertClasses: []string{"A"}, SourceTypes: []string{"S"}, OrganizationIDs: []string{"1"}, Keywords: []string{"disk"}, MessagePattern: "(?i)full"}, nil},
		{"unknown key", `{"foo":1}`, Conditions{}, []string{"conditions.foo"}},
		{"key in the wrong case", `{"Severities":["major"]}`, Conditions{}, []string{"conditions.Severities"}},
		{"every problem at once", `{"zeta":1,"keywords":"disk","alpha":true}`, Conditions{}, []string{"conditions.alpha", "conditions.keywords", "conditions.zeta"}},
		{"list of wrong type", `{"severities":[1]}`, Conditions{}, []string{"conditions.severities"}},
		{"string expected", `{"messagePattern":["x"]}`, Conditions{}, []string{"conditions.messagePattern"}},
		{"not an object", `["severities"]`, Conditions{}, []string{"conditions"}},
		{"malformed", `{"severities":`, Conditions{}, []string{"conditions"}},
		{"empty input", ``, Conditions{}, []string{"conditions"}},
		{"trailing data", `{} {}`, Conditions{}, []string{"conditions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeConditions([]byte(tt.json))
			if fields := fieldsOf(t, err); !reflect.DeepEqual(fields, tt.fields) {
				t.Fatalf("error fields = %v (%v), want %v", fields, err, tt.fields)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeConditions = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeActions(t *testing.T) {
	got, err := DecodeActions([]byte(`{"createTicket":false,"boardId":3,"priorityOverride":4,"assignToUserId":5,
		"ticketTemplate":{"titleTemplate":"{{device}}","descriptionTemplate":"{{message}}"},
		"autoResolveTicket":true,"autoResolveStatusId":6,"resetAlertOnTicketClose":false,"notifyUserIds":[7,8]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.ShouldCreateTicket() || *got.BoardID != 3 || *got.PriorityOverride != 4 || *got.AssignToUserID != 5 ||
		got.TicketTemplate.TitleTemplate != "{{device}}" || got.TicketTemplate.DescriptionTemplate != "{{message}}" ||
		!got.ShouldAutoResolve() || *got.AutoResolveStatusID != 6 || got.ShouldResetOnClose() ||
		!reflect.DeepEqual(got.NotifyUserIDs, []int{7, 8}) {
		t.Errorf("DecodeActions = %+v", got)
	}

	defaults, err := DecodeActions([]byte(`{"createTicket":null}`))
	if err != nil || !defaults.ShouldCreateTicket() || defaults.ShouldAutoResolve() || !defaults.ShouldResetOnClose() {
		t.Errorf("defaults = %+v, %v", defaults, err)
	}

	tests := []struct {
		name   string
		json   string
		fields []string
	}{
		{"unknown key", `{"board":1}`, []string{"actions.board"}},
		{"id as string", `{"boardId":"1"}`, []string{"actions.boardId"}},
		{"id as fraction", `{"boardId":1.5}`, []string{"actions.boardId"}},
		{"id overflow", `{"boardId":99999999999999999999}`, []string{"actions.boardId"}},
		{"bool as string", `{"createTicket":"yes"}`, []string{"actions.createTicket"}},
		{"ids as strings", `{"notifyUserIds":[1,"2"]}`, []string{"actions.notifyUserIds"}},
		{"nested unknown key", `{"ticketTemplate":{"title":"x"}}`, []string{"actions.ticketTemplate.title"}},
		{"nested wrong type", `{"ticketTemplate":{"titleTemplate":1}}`, []string{"actions.ticketTemplate.titleTemplate"}},
		{"template not an object", `{"ticketTemplate":"x"}`, []string{"actions.ticketTemplate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeActions([]byte(tt.json))
			if fields := fieldsOf(t, err); !reflect.DeepEqual(fields, tt.fields) {
				t.Fatalf("error fields = %v (%v), want %v", fields, err, tt.fields)
			}
			if !reflect.DeepEqual(got, Actions{}) {
				t.Errorf("a failed decode must return the zero value, got %+v", got)
			}
		})
	}
}

func TestDecodeSuggestsTheRightCase(t *testing.T) {
	_, err := DecodeActions([]byte(`{"BoardID":1}`))
	if err == nil || !strings.Contains(err.Error(), `did you mean "boardId"`) {
		t.Errorf("err = %v", err)
	}
}
