// Package maintenance decides whether a maintenance window covers an alert.
package maintenance

// Recurrence is a weekly schedule: on Days (0 = Sunday) from StartTime to
// EndTime ("HH:MM", wall clock in Timezone). EndTime before StartTime means
// the range crosses midnight into the next day.
type Recurrence struct {
	Type      string `json:"type"`
	Days      []int  `json:"days"`
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime"`
	Timezone  string `json:"timezone"`
}
