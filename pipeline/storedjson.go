package pipeline

import (
	"fmt"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
)

// A reset's lookup reads its alert without the metadata and the decision
// trace: decoding them in Go, only to add the reset's and write them back,
// was a third of the pipeline's CPU for a reset. finish writes the reset's
// metadata and trace entry instead, and the UPDATE merges them into the
// stored ones as withEvent and finish would have: the event's keys over
// the stored metadata's, the entry after the stored trace, the last
// maxTraces kept. A stored value of another JSON type (null) counts as
// empty, as Go decodes it.
const (
	mergeMetadataSQL = `(CASE WHEN jsonb_typeof(metadata) = 'object' THEN metadata ELSE '{}'::jsonb END) || %s::jsonb`
	mergeTraceSQL    = `(SELECT jsonb_agg(e ORDER BY o) FROM (
		SELECT e, o FROM jsonb_array_elements((CASE WHEN jsonb_typeof(decision_trace) = 'array' THEN decision_trace ELSE '[]'::jsonb END) || %s::jsonb)
			WITH ORDINALITY AS t(e, o) ORDER BY o DESC LIMIT %d) k)`
)

// storedJSONValue is what updateAlert sets column f to, given the
// parameter holding the value s has for it: the parameter, or for the
// metadata and trace of an alert read without them, the merge.
func storedJSONValue(s *State, f, param string) string {
	if s.reset == nil || !s.reset.jsonUnread || s.Alert != s.reset.alert {
		return param
	}
	switch f {
	case entalert.FieldMetadata:
		return fmt.Sprintf(mergeMetadataSQL, param)
	case entalert.FieldDecisionTrace:
		return fmt.Sprintf(mergeTraceSQL, param, maxTraces)
	}
	return param
}
