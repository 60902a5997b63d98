"""MARAC, MATAC and MASIP referrals, with MARAC's suggested criteria."""
