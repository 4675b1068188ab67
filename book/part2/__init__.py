"""Code of Part II (《大模型创业的心理转变：从狂热到理性》): evaluation helpers, diagrams, small models."""
