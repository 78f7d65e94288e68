package store

var IsRead = isRead
