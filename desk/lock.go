package desk

import "fmt"

// ticketLockKey names the advisory lock that serializes work on a ticket.
func ticketLockKey(tenantID, ticketID int) string {
	return fmt.Sprintf("ticket:%d:%d", tenantID, ticketID)
}

// LockTicketSQL is the PostgreSQL expression that takes the lock Lock
// takes, for the ticket whose id is the SQL expression ticketID of the
// tenant in the SQL expression tenantID: a caller that finds the ticket
// and locks it in one statement (the reset's lookup).
func LockTicketSQL(tenantID, ticketID string) string {
	return fmt.Sprintf("pg_advisory_xact_lock(hashtextextended('ticket:' || %s || ':' || %s, 0))", tenantID, ticketID)
}
