"""Code of Part IV (《技术创新驱动：大模型创业的核心力量》): number phrases for the translation chapter."""
