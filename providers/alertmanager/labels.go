package alertmanager

import (
	"fmt"
	"regexp"
	"slices"
)

// MaxConditionLabels bounds the condition label setting.
const MaxConditionLabels = 20

// labelName is Prometheus' label name syntax.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ValidateConditionLabels checks the condition label setting: Prometheus
// label names, no reserved (__) names, none twice, not alertname (always
// part of the condition) nor instance (the device), at most
// MaxConditionLabels. The error names the offending label.
func ValidateConditionLabels(labels []string) error {
	if len(labels) > MaxConditionLabels {
		return fmt.Errorf("at most %d labels", MaxConditionLabels)
	}
	for i, l := range labels {
		switch {
		case len(l) > 100 || !labelName.MatchString(l):
			return fmt.Errorf("%.100q is not a label name (letters, digits and _, not starting with a digit)", l)
		case len(l) >= 2 && l[:2] == "__":
			return fmt.Errorf("%q is reserved: Alertmanager never sends __ labels", l)
		case l == "alertname":
			return fmt.Errorf("alertname always makes the condition: leave it out")
		case l == "instance":
			return fmt.Errorf("instance is the device, which every condition is of: leave it out")
		case slices.Contains(labels[:i], l):
			return fmt.Errorf("%q is listed twice", l)
		}
	}
	return nil
}
