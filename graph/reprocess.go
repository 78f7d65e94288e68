package graph

import (
	"context"
	"errors"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/pipeline"
)

// reprocess runs stored alerts through the pipeline again, one transaction
// each (the pipeline's own, on the unscoped store: ids come from a scoped
// query and the pipeline checks the tenant again).
func (r *Resolver) reprocess(ctx context.Context, tenantID int, ids []int) (*model.ReprocessResult, error) {
	res := &model.ReprocessResult{}
	for _, id := range ids {
		out, err := r.pipeline.Reprocess(ctx, tenantID, id, "reprocess")
		switch {
		case errors.Is(err, pipeline.ErrAlreadyLinked), errors.Is(err, pipeline.ErrNotActive):
			// Changed since it was listed (another reprocess, a reset).
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.log.WarnContext(ctx, "graph: reprocess alert", "alert_id", id, "err", err)
			res.Failed++
			continue
		}
		res.Processed++
		if out.TicketID != nil {
			res.TicketsCreated++
		}
		if out.Outcome == pipeline.Unmapped {
			res.StillUnmapped++
		}
	}
	alerts, err := r.db.Alert.Query().Where(alert.IDIn(ids...)).Order(ent.Asc(alert.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	res.Alerts = alerts
	return res, nil
}
