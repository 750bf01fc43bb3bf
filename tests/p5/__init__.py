"""Tests of the aws-p5 target: spec, construct, bootstrap template and example fleet."""
