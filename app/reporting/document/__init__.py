"""The province's report document (Báo cáo kết quả khảo sát sự hài lòng) as DOCX or PDF.

content.py gathers the figures (the API's report of the same revision, comments' handling),
outline.py writes them as Vietnamese administrative prose and tables (format-free blocks),
docx.py and pdf.py render the blocks with python-docx and fpdf2, chart.py draws bar charts
with Pillow.
"""
