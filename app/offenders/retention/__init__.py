"""MoPI review, retention and disposal of person records."""
