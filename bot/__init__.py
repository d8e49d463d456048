"""csm-coach: a Slack app that coaches Customer Success Managers."""
