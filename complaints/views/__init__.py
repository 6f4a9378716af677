"""Complaint pages, by responsibility: request → form → one service or selector → response; roles checked on every view.

- complaints: the work list, intake, the complaint page, edits, reveals, evidence downloads, the legal queue
- actions: the lifecycle actions posted from the complaint page
- callbacks: recording a callback visit (the one URL for it)
- public: the public online complaint form
- incidents: incidents, contingency plans and drills
- suggestions: suggestions and improvement actions
"""
