"""Models of the HTTP API that no service takes or returns: request bodies the routes unpack, answers
built from the caller (`me`). Models a service takes or returns live next to it (`wfo.<area>.schemas`)."""
