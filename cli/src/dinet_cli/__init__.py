"""dinet: the operator CLI (`dinet up`, `dinet status`, `dinet dlq ...`) and, in the embedded
mode, the supervisor and the gateway that put the four services behind one URL."""
