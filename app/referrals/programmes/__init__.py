"""Perpetrator-programme referrals, from identified to completed, and the referral-safe view of a person."""
