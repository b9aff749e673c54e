"""The Functions edge: one blueprint per client; triggers parse, call one service, map."""
