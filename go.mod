module github.com/apiarydb/apiary

go 1.26.8
