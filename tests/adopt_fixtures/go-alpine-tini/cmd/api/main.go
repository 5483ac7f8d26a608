// Command api answers with the uid it runs as (an adopt fixture).
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from api uid=%d\n", os.Getuid())
	})
	if err := http.ListenAndServe(":9090", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
