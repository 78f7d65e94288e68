// Package graph is alertdesk's GraphQL API: schema in graph/schema, the
// generated executor in graph/generated, resolvers here (one file per
// concept), served by NewHandler at /graphql.
package graph

//go:generate go run github.com/99designs/gqlgen generate
