echo "report for {{ ds }} in $REGION"
