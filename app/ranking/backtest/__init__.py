"""The backtest: does a ranking as of a past day find the people who went on to cause harm?"""
