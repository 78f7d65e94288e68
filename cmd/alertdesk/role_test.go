package main

import "testing"

func TestParseRole(t *testing.T) {
	cases := []struct {
		args []string
		def  string
		want string
		bad  bool
	}{
		{nil, "all", "all", false},
		{[]string{"--role", "worker"}, "all", "worker", false},
		{[]string{"--role=api"}, "all", "api", false},
		{[]string{"--role", "API"}, "all", "api", false},
		{nil, "worker", "worker", false},
		{[]string{"--role", "scheduler"}, "all", "", true},
		{[]string{"extra"}, "all", "", true},
	}
	for _, c := range cases {
		got, err := parseRole(c.args, c.def)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("parseRole(%v, %q) = %q, %v", c.args, c.def, got, err)
		}
	}
}
