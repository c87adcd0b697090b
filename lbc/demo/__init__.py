"""The synthetic demo county (合成数据，非真实儿童信息).

Everything this package generates is invented: place names are marked as demo places, ID numbers
use a region code that no real person can hold, phones lie outside every mobile number range.
It is for demonstrations and tests only and refuses to run unless demo mode is on.
"""
