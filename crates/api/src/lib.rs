//! The registry API's wire types: one set of request and response types shared by the
//! server's handlers and the client, so neither builds or reads JSON by hand.
