"""What ranks a theme: volume, sentiment, CSAT/NPS and their impact, priority, trends and spikes."""
