"""Demand response (DR) and local demand management (DLM): tariffs, billing,
command latency through the mesh, controllers and the closed-loop runner."""
