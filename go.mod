module github.com/supvisors-go/supvisors

go 1.26
