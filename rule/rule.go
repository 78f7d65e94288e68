// Package rule holds alert rules: what they match (Conditions), what they do
// (Actions), how they are validated at save time and evaluated per alert.
package rule

import "time"

// Conditions select alerts. Every present, non-empty field must match; the
// zero value matches everything.
type Conditions struct {
	Severities      []string `json:"severities,omitempty"`
	ActivityTypes   []string `json:"activityTypes,omitempty"`
	AlertClasses    []string `json:"alertClasses,omitempty"`
	SourceTypes     []string `json:"sourceTypes,omitempty"`
	OrganizationIDs []string `json:"organizationIds,omitempty"`
	Keywords        []string `json:"keywords,omitempty"`
	MessagePattern  string   `json:"messagePattern,omitempty"`
}

// TicketTemplate renders a ticket's title and description from an alert.
type TicketTemplate struct {
	TitleTemplate       string `json:"titleTemplate,omitempty"`
	DescriptionTemplate string `json:"descriptionTemplate,omitempty"`
}

// Actions say what a matched rule does. Pointer booleans distinguish "not
// set" from false so defaults apply.
type Actions struct {
	CreateTicket            *bool           `json:"createTicket,omitempty"`
	BoardID                 *int            `json:"boardId,omitempty"`
	PriorityOverride        *int            `json:"priorityOverride,omitempty"`
	AssignToUserID          *int            `json:"assignToUserId,omitempty"`
	TicketTemplate          *TicketTemplate `json:"ticketTemplate,omitempty"`
	AutoResolveTicket       *bool           `json:"autoResolveTicket,omitempty"`
	AutoResolveStatusID     *int            `json:"autoResolveStatusId,omitempty"`
	ResetAlertOnTicketClose *bool           `json:"resetAlertOnTicketClose,omitempty"`
	NotifyUserIDs           []int           `json:"notifyUserIds,omitempty"`
	// StormComments is how many firings of a condition in one burst get a
	// comment each on its ticket; later ones update one summary comment.
	StormComments *int `json:"stormComments,omitempty"`
	// StormQuietMinutes is how long a condition must stay quiet for its
	// next firing to start a new burst.
	StormQuietMinutes *int `json:"stormQuietMinutes,omitempty"`
}

// Storm defaults: a few comments, then a summary, until a quarter hour
// passes without a firing.
const (
	DefaultStormComments     = 3
	DefaultStormQuietMinutes = 15
)

// Storm returns the burst thresholds, with their defaults.
func (a Actions) Storm() (comments int, quiet time.Duration) {
	comments, minutes := DefaultStormComments, DefaultStormQuietMinutes
	if a.StormComments != nil {
		comments = *a.StormComments
	}
	if a.StormQuietMinutes != nil {
		minutes = *a.StormQuietMinutes
	}
	return comments, time.Duration(minutes) * time.Minute
}

// ShouldCreateTicket defaults to true.
func (a Actions) ShouldCreateTicket() bool { return a.CreateTicket == nil || *a.CreateTicket }

// ShouldAutoResolve defaults to false.
func (a Actions) ShouldAutoResolve() bool { return a.AutoResolveTicket != nil && *a.AutoResolveTicket }

// ShouldResetOnClose defaults to true.
func (a Actions) ShouldResetOnClose() bool {
	return a.ResetAlertOnTicketClose == nil || *a.ResetAlertOnTicketClose
}
