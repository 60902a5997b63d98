"""Breaches of orders: logged in a minute, with their DA event, enforcement task and re-score."""
