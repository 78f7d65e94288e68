package store

var IsRead = isRead

var MarkCommit = markCommit
