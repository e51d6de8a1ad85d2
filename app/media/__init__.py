"""Images the team uploads (hero, link preview, speakers), served in the sizes pages need."""
