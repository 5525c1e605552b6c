"""An EPCI's envelope under its control: caps on its communes' draws and its queue of draws to approve."""
