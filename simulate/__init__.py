"""`hotline simulate`: the production routing policy on a virtual clock, against Erlang C."""
