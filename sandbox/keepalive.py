"""HTTP keep-alive for the sandbox servers.

Real services keep idle connections open for minutes behind their load balancers. uvicorn's default of 5 s
races any client that reuses a pooled connection after a pause (a polling loop, a slow step): the server
closes the socket just as the request goes out and the client sees ``RemoteDisconnected``. The sandbox
servers use the longer timeout so that a client's behaviour is the one it will have against the real thing.
"""

KEEP_ALIVE_S = 120
